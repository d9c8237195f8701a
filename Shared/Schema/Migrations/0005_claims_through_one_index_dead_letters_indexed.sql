-- claims through one index; dead letters indexed

DROP INDEX idx_job_queue_pending;

CREATE INDEX job_queue_dead ON job_queue (completed_at DESC NULLS LAST, job_type) WHERE status = 'failed';
