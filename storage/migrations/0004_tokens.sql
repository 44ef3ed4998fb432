-- API tokens. Only the SHA-256 of the secret is stored: a leaked table grants nothing.
CREATE TABLE IF NOT EXISTS api_tokens (
    id            bigserial PRIMARY KEY,
    name          text NOT NULL CHECK (length(name) BETWEEN 1 AND 128),
    role          text NOT NULL
                  CHECK (role IN ('engineer', 'supervisor', 'integrity', 'admin')),
    token_hash    bytea NOT NULL UNIQUE CHECK (length(token_hash) = 32),
    created_at    timestamptz NOT NULL DEFAULT now(),
    revoked_at    timestamptz,
    last_used_at  timestamptz
);
-- A name picks one live token (`pilewatch token revoke --name`); revoked names may be reused.
CREATE UNIQUE INDEX IF NOT EXISTS api_tokens_live_name ON api_tokens (name)
    WHERE revoked_at IS NULL;
