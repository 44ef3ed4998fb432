-- The sealed-record ledger: an RFC 6962 Merkle log in plain tables (never hypertables: chunk
-- drops would bypass the row triggers). Leaves, perfect-subtree node hashes, signed
-- checkpoints and witness cosignatures are append-only; the triggers below refuse UPDATE,
-- DELETE and TRUNCATE. That only prevents accidents: a superuser can disable triggers, and
-- detection of that comes from the proofs (`pilewatch audit`, `monitor`, `verify`, witnesses).

-- One row per fact about the log: 'origin' and 'log_vkey' (the verifier key of the key
-- that signs its checkpoints), written once by the first sealer to start.
CREATE TABLE IF NOT EXISTS ledger_meta (
    name        text PRIMARY KEY,
    value       text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);

-- Leaf i of the tree: `entry` is the RFC 8785 canonical JSON record (UTF-8 bytes) and
-- leaf_hash = SHA-256(0x00 || entry). The other columns are copies of fields of the entry
-- for lookups; `pilewatch audit` checks they agree with it.
CREATE TABLE IF NOT EXISTS ledger_leaves (
    leaf_index  bigint PRIMARY KEY CHECK (leaf_index >= 0),
    leaf_hash   bytea NOT NULL CHECK (length(leaf_hash) = 32),
    entry       bytea NOT NULL,
    kind        text NOT NULL CHECK (kind IN ('seal', 'correction')),
    site_id     text NOT NULL,
    pile_id     text NOT NULL,
    revision    integer NOT NULL,
    supersedes  bigint,
    sealed_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS ledger_leaves_pile ON ledger_leaves (site_id, pile_id, leaf_index);
CREATE INDEX IF NOT EXISTS ledger_leaves_hash ON ledger_leaves (leaf_hash);

-- Every perfect subtree: (level, idx) is MTH(D[idx*2^level : (idx+1)*2^level]); level 0
-- repeats the leaf hashes. A node is written once its subtree is complete, so any range
-- root (and any proof) needs O(log n) rows.
CREATE TABLE IF NOT EXISTS ledger_nodes (
    level  smallint NOT NULL CHECK (level >= 0 AND level < 64),
    idx    bigint NOT NULL CHECK (idx >= 0),
    hash   bytea NOT NULL CHECK (length(hash) = 32),
    PRIMARY KEY (level, idx)
);

-- Checkpoints as signed by the log (C2SP signed note, log signature only).
CREATE TABLE IF NOT EXISTS ledger_checkpoints (
    tree_size  bigint PRIMARY KEY CHECK (tree_size >= 0),
    root_hash  bytea NOT NULL CHECK (length(root_hash) = 32),
    note       text NOT NULL,
    signed_at  timestamptz NOT NULL DEFAULT now()
);

-- Cosignatures (C2SP tlog-cosignature lines) stored only after verifying with the witness
-- key configured for that witness.
CREATE TABLE IF NOT EXISTS ledger_cosignatures (
    tree_size     bigint NOT NULL REFERENCES ledger_checkpoints (tree_size),
    witness_vkey  text NOT NULL,
    witness_name  text NOT NULL,
    line          text NOT NULL,
    cosigned_at   bigint NOT NULL,
    received_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tree_size, witness_vkey)
);

-- Piles the sealer could not seal yet: attempts and the last error, so nothing is dropped
-- silently. Mutable bookkeeping, not evidence: no append-only trigger here.
CREATE TABLE IF NOT EXISTS ledger_seal_queue (
    site_id          text NOT NULL,
    pile_id          text NOT NULL,
    revision         integer NOT NULL,
    attempts         integer NOT NULL DEFAULT 0,
    last_error       text,
    first_failed_at  timestamptz NOT NULL DEFAULT now(),
    last_attempt_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (site_id, pile_id)
);

CREATE OR REPLACE FUNCTION ledger_refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'ledger table % is append-only: % refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege';
END $$;

DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['ledger_meta', 'ledger_leaves', 'ledger_nodes',
                             'ledger_checkpoints', 'ledger_cosignatures'] LOOP
        EXECUTE format('DROP TRIGGER IF EXISTS %I ON %I', t || '_no_change', t);
        EXECUTE format('CREATE TRIGGER %I BEFORE UPDATE OR DELETE ON %I '
                       'FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change()',
                       t || '_no_change', t);
        EXECUTE format('DROP TRIGGER IF EXISTS %I ON %I', t || '_no_truncate', t);
        EXECUTE format('CREATE TRIGGER %I BEFORE TRUNCATE ON %I '
                       'FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_change()',
                       t || '_no_truncate', t);
    END LOOP;
END $$;

-- The role services run as: it may read and append to the ledger but holds no UPDATE,
-- DELETE or TRUNCATE privilege on it. Created if missing; a migrating user without
-- CREATEROLE gets a notice instead (the triggers still stand).
DO $$
DECLARE
    t text;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'pilewatch_service') THEN
        BEGIN
            CREATE ROLE pilewatch_service NOLOGIN;
        EXCEPTION
            WHEN insufficient_privilege THEN
                RAISE NOTICE 'cannot create role pilewatch_service (no CREATEROLE); skipped';
            WHEN duplicate_object THEN
                NULL;
        END;
    END IF;
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'pilewatch_service') THEN
        BEGIN
            FOREACH t IN ARRAY ARRAY['ledger_meta', 'ledger_leaves', 'ledger_nodes',
                                     'ledger_checkpoints', 'ledger_cosignatures'] LOOP
                EXECUTE format('REVOKE ALL ON %I FROM pilewatch_service', t);
                EXECUTE format('GRANT SELECT, INSERT ON %I TO pilewatch_service', t);
            END LOOP;
            GRANT SELECT, INSERT, UPDATE, DELETE ON ledger_seal_queue TO pilewatch_service;
        EXCEPTION
            WHEN insufficient_privilege THEN
                RAISE NOTICE 'cannot grant ledger privileges to pilewatch_service; skipped';
        END;
    END IF;
END $$;
