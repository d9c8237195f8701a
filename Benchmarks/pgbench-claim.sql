-- The physical reference for the queue library: the bare SKIP LOCKED claim of a batch and its completion, as two
-- autocommit statements (the library's two round trips), against the same job_queue table and index.
\set token random(1, 2000000000)
UPDATE job_queue AS q SET status = 'processing', attempt_number = q.attempt_number + 1, locked_by = 'pgbench-' || :token,
       locked_until = now() + interval '60 seconds', started_at = now()
FROM (SELECT j.id FROM job_queue AS j
      WHERE j.status = 'pending' AND j.job_type = 'pgbench' AND j.run_at <= now()
      ORDER BY j.priority DESC, j.fair_rank, j.run_at, j.id
      LIMIT 100
      FOR UPDATE SKIP LOCKED) AS picked
WHERE q.id = picked.id;
UPDATE job_queue SET status = 'completed', completed_at = now(), locked_by = NULL, locked_until = NULL
WHERE locked_by = 'pgbench-' || :token AND status = 'processing';
