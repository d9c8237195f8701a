-- fair claims

ALTER TABLE job_queue ADD COLUMN fair_rank INTEGER NOT NULL DEFAULT 0;

DROP INDEX job_queue_available;

CREATE INDEX job_queue_available ON job_queue (job_type, priority DESC, fair_rank, run_at, id) WHERE status = 'pending';
