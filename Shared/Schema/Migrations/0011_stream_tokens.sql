-- stream tokens

CREATE TABLE stream_tokens (
    token_hash TEXT PRIMARY KEY,
    generation_id UUID NOT NULL REFERENCES image_generations (id) ON DELETE CASCADE,
    user_id UUID NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL
);

CREATE INDEX stream_tokens_expiry ON stream_tokens (expires_at);
