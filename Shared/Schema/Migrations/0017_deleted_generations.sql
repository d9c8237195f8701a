-- deleted generations

ALTER TABLE image_generations ADD COLUMN deleted_at TIMESTAMPTZ, ADD COLUMN deleted_images INTEGER NOT NULL DEFAULT 0;
