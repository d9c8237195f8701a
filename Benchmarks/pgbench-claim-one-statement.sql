-- The bare-SQL reference in one round trip per batch: each client completes the batch it claimed last time and claims
-- the next in one autocommit statement (a data-modifying CTE), so a batch costs one statement and one commit instead of
-- two. Its last batch stays processing (the rate counts completed jobs only).
WITH done AS (
    UPDATE job_queue SET status = 'completed', completed_at = now(), locked_by = NULL, locked_until = NULL
    WHERE locked_by = 'pgbench-' || :client_id AND status = 'processing'
    RETURNING 1
)
UPDATE job_queue AS q SET status = 'processing', attempt_number = q.attempt_number + 1, locked_by = 'pgbench-' || :client_id,
       locked_until = now() + interval '60 seconds', started_at = now()
FROM (SELECT j.id FROM job_queue AS j
      WHERE j.status = 'pending' AND j.job_type = 'pgbench' AND j.run_at <= now()
      ORDER BY j.priority DESC, j.fair_rank, j.run_at, j.id
      LIMIT 100
      FOR UPDATE SKIP LOCKED) AS picked
WHERE q.id = picked.id;
