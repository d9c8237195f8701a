-- generation api keys

-- The API key a generation was made with (null: a user token), so usage can be told apart by key
-- (`GET /v1/usage?group_by=key`).
ALTER TABLE image_generations ADD COLUMN api_key_id uuid;
