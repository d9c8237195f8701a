-- model experiments

ALTER TABLE image_generations ADD COLUMN model_alias TEXT;
