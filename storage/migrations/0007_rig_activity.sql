-- Hourly activity per rig. With TimescaleDB this is a real-time continuous aggregate, which
-- storage.migrations creates outside a transaction (TimescaleDB refuses it inside one); on
-- plain PostgreSQL it is this view over the partitioned table.
DO $$
BEGIN
    IF current_setting('pilewatch.timescaledb', true) = 'on' THEN
        RETURN;
    END IF;
    IF to_regclass('rig_activity_hourly') IS NULL THEN
        EXECUTE $view$
            CREATE VIEW rig_activity_hourly AS
            SELECT date_trunc('hour', t) AS hour, site_id, rig_id,
                   count(*) AS samples,
                   avg(flow_l_min) AS mean_flow_l_min,
                   max(depth_m) AS max_depth_m,
                   min(t) AS first_t,
                   max(t) AS last_t
            FROM telemetry
            GROUP BY 1, 2, 3
        $view$;
    END IF;
END $$;
