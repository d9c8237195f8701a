-- retention

CREATE INDEX images_created ON images (created_at);

CREATE INDEX images_storage_path ON images (storage_path);

CREATE INDEX generation_events_created ON generation_events (created_at);
