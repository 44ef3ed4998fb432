-- Alerts for supervisors (监理), their history, the ordered change feed (SSE / webhooks),
-- per-site and per-pile-type rule configuration, and webhooks with every delivery attempt.
CREATE TABLE IF NOT EXISTS alerts (
    id               bigserial PRIMARY KEY,
    site_id          text NOT NULL,
    rig_id           text,
    -- NULL for rig-level alerts (a rig offline with no pile in progress).
    pile_id          text,
    rule             text NOT NULL,
    severity         text NOT NULL CHECK (severity IN ('info', 'warning', 'critical')),
    state            text NOT NULL DEFAULT 'open'
                     CHECK (state IN ('open', 'acknowledged', 'resolved')),
    depth_top_m      double precision,
    depth_bottom_m   double precision,
    value            double precision,
    limit_value      double precision,
    message          text NOT NULL,
    raised_at        timestamptz NOT NULL,
    updated_at       timestamptz NOT NULL,
    acknowledged_by  text,
    acknowledged_at  timestamptz,
    resolved_by      text,
    resolved_at      timestamptz,
    comment          text,
    escalated_at     timestamptz,
    -- Set when the interval stops failing; the alert stays (no auto-resolve, no re-raise).
    recovered_at     timestamptz,
    rules_digest     text,
    pile_revision    integer
);
-- One open or acknowledged alert per (site, pile — or rig when there is no pile, rule,
-- depth interval).
CREATE UNIQUE INDEX IF NOT EXISTS alerts_one_active ON alerts (
    site_id,
    coalesce(pile_id, '#rig:' || coalesce(rig_id, '')),
    rule,
    coalesce(depth_top_m, -1),
    coalesce(depth_bottom_m, -1)
) WHERE state IN ('open', 'acknowledged');
CREATE INDEX IF NOT EXISTS alerts_pile ON alerts (site_id, pile_id, rule);
CREATE INDEX IF NOT EXISTS alerts_state ON alerts (state, severity, raised_at);
CREATE INDEX IF NOT EXISTS alerts_rig ON alerts (rig_id, raised_at);

CREATE TABLE IF NOT EXISTS alert_history (
    id          bigserial PRIMARY KEY,
    alert_id    bigint NOT NULL REFERENCES alerts (id),
    at          timestamptz NOT NULL,
    actor       text NOT NULL,
    action      text NOT NULL,
    from_state  text,
    to_state    text NOT NULL,
    comment     text,
    snapshot    jsonb NOT NULL
);
CREATE INDEX IF NOT EXISTS alert_history_alert ON alert_history (alert_id, id);

-- The ordered change feed: id is the SSE event id; each insert is followed by
-- NOTIFY pilewatch_alerts, '<id>' in the same transaction.
CREATE TABLE IF NOT EXISTS alert_events (
    id        bigserial PRIMARY KEY,
    alert_id  bigint NOT NULL REFERENCES alerts (id),
    at        timestamptz NOT NULL,
    payload   jsonb NOT NULL
);
CREATE INDEX IF NOT EXISTS alert_events_alert ON alert_events (alert_id, id);

-- Rule configuration kept in the database; '*' matches any site / any pile type.
-- rule is a rule name, or 'common' for limits shared by several rules.
CREATE TABLE IF NOT EXISTS alert_rules (
    site_id     text NOT NULL DEFAULT '*',
    pile_type   text NOT NULL DEFAULT '*',
    rule        text NOT NULL,
    config      jsonb NOT NULL,
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (site_id, pile_type, rule)
);

CREATE TABLE IF NOT EXISTS webhooks (
    id              bigserial PRIMARY KEY,
    url             text NOT NULL,
    secret          text NOT NULL,
    site_id         text,
    min_severity    text NOT NULL DEFAULT 'warning'
                    CHECK (min_severity IN ('info', 'warning', 'critical')),
    active          boolean NOT NULL DEFAULT true,
    created_by      text NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    -- Events up to this id existed before the webhook and are not sent to it.
    start_event_id  bigint NOT NULL DEFAULT 0
);

CREATE TABLE IF NOT EXISTS webhook_deliveries (
    id               bigserial PRIMARY KEY,
    webhook_id       bigint NOT NULL REFERENCES webhooks (id),
    event_id         bigint NOT NULL REFERENCES alert_events (id),
    attempt          integer NOT NULL CHECK (attempt >= 1),
    status_code      integer,
    error            text,
    at               timestamptz NOT NULL,
    next_attempt_at  timestamptz,
    delivered        boolean NOT NULL,
    UNIQUE (webhook_id, event_id, attempt)
);
CREATE INDEX IF NOT EXISTS webhook_deliveries_event ON webhook_deliveries (webhook_id, event_id);
