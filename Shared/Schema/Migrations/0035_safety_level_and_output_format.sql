-- safety level and output format

-- What a request asked of the model's safety checker (`safety_level`) and of its files (`output_format`); the generator
-- maps them onto each model's own inputs. Null: the model's defaults.
ALTER TABLE image_generations
    ADD COLUMN safety_level text CHECK (safety_level IN ('strict', 'standard', 'relaxed')),
    ADD COLUMN output_format text CHECK (output_format IN ('png', 'jpg', 'webp'));
