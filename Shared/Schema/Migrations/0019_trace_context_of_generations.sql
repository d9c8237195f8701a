-- trace context of generations

ALTER TABLE image_generations ADD COLUMN trace_context TEXT;
