-- Sites, rigs, planned piles, events, status, rejected messages and ingest counters.
CREATE TABLE IF NOT EXISTS sites (
    site_id     text PRIMARY KEY,
    name        text,
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE IF NOT EXISTS rigs (
    rig_id      text PRIMARY KEY,
    site_id     text NOT NULL REFERENCES sites (site_id),
    first_seen  timestamptz NOT NULL DEFAULT now(),
    last_seen   timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE IF NOT EXISTS planned_piles (
    site_id             text NOT NULL REFERENCES sites (site_id),
    pile_id             text NOT NULL,
    x_m                 double precision NOT NULL,
    y_m                 double precision NOT NULL,
    design_length_m     double precision NOT NULL,
    diameter_m          double precision NOT NULL,
    design_cement_kg_m  double precision NOT NULL,
    wc                  double precision NOT NULL,
    density_kg_l        double precision NOT NULL,
    blades              integer NOT NULL,
    process             text NOT NULL,
    imported_at         timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (site_id, pile_id)
);

CREATE TABLE IF NOT EXISTS rig_events (
    rig_id       text NOT NULL,
    boot         text NOT NULL,
    seq          bigint NOT NULL,
    site_id      text NOT NULL,
    t            timestamptz NOT NULL,
    type         text NOT NULL,
    pile_id      text,
    payload      jsonb NOT NULL,
    received_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (rig_id, boot, seq)
);
CREATE INDEX IF NOT EXISTS rig_events_pile ON rig_events (site_id, pile_id, t);

CREATE TABLE IF NOT EXISTS rig_status (
    rig_id       text PRIMARY KEY,
    site_id      text NOT NULL,
    online       boolean NOT NULL,
    t            timestamptz,
    payload      jsonb NOT NULL,
    received_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE IF NOT EXISTS rejected_messages (
    id              bigserial PRIMARY KEY,
    received_at     timestamptz NOT NULL DEFAULT now(),
    topic           text NOT NULL,
    payload         bytea NOT NULL,
    reason          text NOT NULL,
    sample_index    integer,
    -- A redelivered message (after a crash before the broker got our acknowledgement) must
    -- not be counted as a second rejection.
    fingerprint     bytea NOT NULL UNIQUE
);
CREATE INDEX IF NOT EXISTS rejected_messages_time ON rejected_messages (received_at);

CREATE TABLE IF NOT EXISTS ingest_counters (
    ingester    text NOT NULL,
    counter     text NOT NULL,
    value       bigint NOT NULL DEFAULT 0,
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (ingester, counter)
);
