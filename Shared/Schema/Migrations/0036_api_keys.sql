-- api keys

-- Keys a backend calls the API with instead of a user token (`Authorization: Bearer igk_…`). Only the SHA-256 of a key
-- is kept (it is shown once, when made); `hint` is its first characters, to tell keys apart in a list. A key speaks
-- for its user within its scopes until it expires or is revoked; every gateway reads this table on each request, so a
-- revocation holds everywhere at once.
CREATE TABLE api_keys (
    id uuid PRIMARY KEY,
    user_id uuid NOT NULL,
    name text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    hint text NOT NULL,
    hash text NOT NULL UNIQUE,
    scopes text[] NOT NULL CHECK (cardinality(scopes) > 0 AND scopes <@ ARRAY['generate', 'read', 'delete', 'admin']),
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz,
    last_used_at timestamptz,
    revoked_at timestamptz
);
CREATE INDEX api_keys_by_user ON api_keys (user_id, created_at DESC);
