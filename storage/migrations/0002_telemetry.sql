-- Raw telemetry. Identity of a sample is (rig, boot, seq); the database enforces it through
-- sample_keys, a table partitioned by rig, because a time-partitioned table (hypertable or
-- native range partitions) can only enforce keys that contain the time column.
CREATE TABLE IF NOT EXISTS sample_keys (
    rig_id  text NOT NULL,
    boot    text NOT NULL,
    seq     bigint NOT NULL,
    t       timestamptz NOT NULL,
    PRIMARY KEY (rig_id, boot, seq)
) PARTITION BY HASH (rig_id);

DO $$
BEGIN
    FOR i IN 0..15 LOOP
        EXECUTE format(
            'CREATE TABLE IF NOT EXISTS sample_keys_p%s PARTITION OF sample_keys '
            'FOR VALUES WITH (MODULUS 16, REMAINDER %s)', i, i);
    END LOOP;
END $$;

DO $$
DECLARE
    use_timescale boolean := current_setting('pilewatch.timescaledb', true) = 'on';
    columns text := $cols$
        site_id        text NOT NULL,
        rig_id         text NOT NULL,
        boot           text NOT NULL,
        seq            bigint NOT NULL,
        t              timestamptz NOT NULL,
        pile_id        text,
        depth_m        double precision NOT NULL,
        flow_l_min     double precision NOT NULL,
        rpm            double precision,
        density_kg_l   double precision,
        wc             double precision,
        pressure_mpa   double precision,
        current_a      double precision,
        tilt_x_deg     double precision,
        tilt_y_deg     double precision,
        extra          jsonb,
        received_at    timestamptz NOT NULL DEFAULT now()
    $cols$;
BEGIN
    IF to_regclass('telemetry') IS NOT NULL THEN
        RETURN;
    END IF;
    IF use_timescale THEN
        EXECUTE format('CREATE TABLE telemetry (%s)', columns);
        PERFORM create_hypertable('telemetry', 't',
            chunk_time_interval => make_interval(days => coalesce(
                nullif(current_setting('pilewatch.chunk_days', true), '')::int, 1)));
    ELSE
        EXECUTE format('CREATE TABLE telemetry (%s) PARTITION BY RANGE (t)', columns);
        -- Anything outside the monthly partitions the ingester creates still has a home.
        EXECUTE 'CREATE TABLE telemetry_default PARTITION OF telemetry DEFAULT';
    END IF;
    EXECUTE 'CREATE INDEX telemetry_pile ON telemetry (site_id, pile_id, t)';
    EXECUTE 'CREATE INDEX telemetry_rig ON telemetry (rig_id, t)';
END $$;
