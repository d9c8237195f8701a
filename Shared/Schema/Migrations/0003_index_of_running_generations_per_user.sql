-- index of running generations per user

CREATE INDEX image_generations_user_active ON image_generations (user_id)
WHERE status IN ('pending', 'queued', 'processing', 'downloading');
