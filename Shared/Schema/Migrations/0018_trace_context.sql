-- trace context

ALTER TABLE job_queue ADD COLUMN trace_context TEXT;
