-- Piles as recorded (one row per site and pile id the rigs sent) with their latest evaluation.
-- Planned piles without a row here are "planned"; the API merges the two.
CREATE TABLE IF NOT EXISTS piles (
    site_id            text NOT NULL REFERENCES sites (site_id),
    pile_id            text NOT NULL,
    rig_id             text,
    status             text NOT NULL DEFAULT 'in_progress'
                       CHECK (status IN ('in_progress', 'complete', 'incomplete')),
    started_at         timestamptz,
    ended_at           timestamptz,
    last_sample_t      timestamptz,
    samples            integer NOT NULL DEFAULT 0,
    depth_reached_m    double precision,
    design_length_m    double precision,
    cement_total_kg    double precision,
    cv                 double precision,
    cu                 double precision,
    du_lq              double precision,
    min_ratio          double precision,
    verdict            text CHECK (verdict IN ('pass', 'fail')),
    reasons            jsonb NOT NULL DEFAULT '[]',
    score              double precision,
    grade              text,
    unplanned          boolean NOT NULL DEFAULT false,
    bin_m              double precision NOT NULL DEFAULT 0.5,
    analytics_version  text,
    rules_digest       text,
    summary            jsonb NOT NULL DEFAULT '{}',
    profile            jsonb NOT NULL DEFAULT '[]',
    findings           jsonb NOT NULL DEFAULT '[]',
    cleaning           jsonb NOT NULL DEFAULT '[]',
    evaluated_at       timestamptz,
    -- Bumped on every stored evaluation; a final evaluation with a newer revision than the
    -- last sealed one is what the sealer picks up.
    revision           integer NOT NULL DEFAULT 0,
    PRIMARY KEY (site_id, pile_id)
);
CREATE INDEX IF NOT EXISTS piles_status ON piles (site_id, status);
CREATE INDEX IF NOT EXISTS piles_rig ON piles (rig_id, started_at);
CREATE INDEX IF NOT EXISTS piles_ended ON piles (ended_at);
