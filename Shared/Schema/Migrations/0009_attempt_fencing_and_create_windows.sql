-- attempt fencing and create windows

ALTER TABLE image_generations ADD COLUMN job_id UUID;

ALTER TABLE image_generations ADD COLUMN job_attempt INTEGER;

ALTER TABLE image_generations ADD COLUMN create_started_at TIMESTAMPTZ;
