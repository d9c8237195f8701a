-- input files

-- Images a user uploads to start from (`source_image_url`, `mask_image_url`): kept here, beside the generations that
-- name them, so every gateway serves them and nothing else has to be shared. They are small (FILES_MAX_UPLOAD_BYTES,
-- 20 MiB by default), short-lived (FILES_RETENTION_HOURS) and already compressed, so their bytes are stored out of
-- line without compression. `token` is the capability in the link Replicate fetches them with (no bearer token goes
-- there); the owner reads and deletes them with their own.
CREATE TABLE input_files (
    id uuid PRIMARY KEY,
    user_id uuid NOT NULL,
    content_type text NOT NULL CHECK (content_type IN ('image/png', 'image/jpeg', 'image/webp', 'image/gif')),
    width integer NOT NULL CHECK (width > 0),
    height integer NOT NULL CHECK (height > 0),
    size_bytes integer NOT NULL CHECK (size_bytes > 0),
    sha256 text NOT NULL,
    token text NOT NULL,
    bytes bytea NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    CHECK (expires_at > created_at),
    CHECK (octet_length(bytes) = size_bytes)
);
ALTER TABLE input_files ALTER COLUMN bytes SET STORAGE EXTERNAL;
CREATE INDEX input_files_by_user ON input_files (user_id, created_at DESC);
CREATE INDEX input_files_by_expiry ON input_files (expires_at);

-- Inpainting: the mask beside the source image, for the models that take one.
ALTER TABLE image_generations ADD COLUMN mask_image_url text;
