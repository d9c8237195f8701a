import Database

/// The queue's part of the schema: `job_queue`, its indexes and triggers, the legacy SQL API (`enqueue_job`,
/// `claim_next_job`, `complete_job`) and its operator views.
///
/// Other parts of the database learn of a job's fate through two hooks the queue calls in the transaction that changes
/// it, which they may replace (`CREATE OR REPLACE FUNCTION`): `imagegen_on_job_dead(job_type, dedupe_key, error)` when a
/// job is dead-lettered and `imagegen_on_job_revived(job_type, dedupe_key)` when a dead job is sent back to pending.
package let jobQueueMigrations: [Migration] = [
    Migration(version: 1, name: "generations, jobs, images", statements: [
        // The job queue: the legacy columns plus delay, lease, error history, dedupe key and start time.
        """
        CREATE TABLE job_queue (
            id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
            job_type TEXT NOT NULL CHECK (job_type <> ''),
            payload JSONB NOT NULL,
            status TEXT NOT NULL DEFAULT 'pending'
                CHECK (status IN ('pending', 'processing', 'completed', 'failed', 'cancelled')),
            priority INTEGER NOT NULL DEFAULT 0,
            attempt_number INTEGER NOT NULL DEFAULT 0,
            max_attempts INTEGER NOT NULL DEFAULT 3 CHECK (max_attempts >= 1),
            result JSONB,
            error_message TEXT,
            errors JSONB NOT NULL DEFAULT '[]'::jsonb,
            run_at TIMESTAMPTZ NOT NULL DEFAULT now(),
            locked_by TEXT,
            locked_until TIMESTAMPTZ,
            started_at TIMESTAMPTZ,
            dedupe_key TEXT,
            created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
            updated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
            completed_at TIMESTAMPTZ
        )
        """,
        // The legacy index, kept so its plans and queries behave as documented.
        "CREATE INDEX idx_job_queue_pending ON job_queue (status, priority DESC, created_at ASC) WHERE status = 'pending'",
        // The claim path: only runnable rows, in claim order, per type.
        "CREATE INDEX job_queue_available ON job_queue (job_type, priority DESC, run_at, id) WHERE status = 'pending'",
        "CREATE INDEX job_queue_leases ON job_queue (locked_until) WHERE status = 'processing'",
        "CREATE INDEX job_queue_finished ON job_queue (completed_at) WHERE status IN ('completed', 'cancelled')",
        "CREATE INDEX job_queue_generation ON job_queue ((lower(payload->>'generation_id')))",
        "CREATE UNIQUE INDEX job_queue_dedupe ON job_queue (dedupe_key) WHERE dedupe_key IS NOT NULL AND status IN ('pending', 'processing')",
        "CREATE TRIGGER job_queue_updated_at BEFORE UPDATE ON job_queue FOR EACH ROW EXECUTE FUNCTION imagegen_touch_updated_at()",
        // New or re-queued runnable work wakes dispatchers on channel imagegen_jobs (duplicates in one transaction coalesce).
        """
        CREATE FUNCTION imagegen_notify_job() RETURNS trigger AS $$
        BEGIN
            PERFORM pg_notify('imagegen_jobs', NEW.job_type);
            RETURN NULL;
        END;
        $$ LANGUAGE plpgsql
        """,
        """
        CREATE TRIGGER job_queue_notify_insert AFTER INSERT ON job_queue
        FOR EACH ROW WHEN (NEW.status = 'pending') EXECUTE FUNCTION imagegen_notify_job()
        """,
        """
        CREATE TRIGGER job_queue_notify_requeue AFTER UPDATE OF status ON job_queue
        FOR EACH ROW WHEN (NEW.status = 'pending' AND OLD.status <> 'pending') EXECUTE FUNCTION imagegen_notify_job()
        """,
        // A dead-lettered job fails its generation in the same transaction (replaced by the hooks in version 7).
        """
        CREATE FUNCTION imagegen_fail_generation_of_dead_job() RETURNS trigger AS $$
        BEGIN
            IF NEW.payload->>'generation_id' ~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' THEN
                UPDATE image_generations
                SET status = 'failed',
                    error_message = COALESCE(NEW.error_message, 'job ' || NEW.job_type || ' failed'),
                    completed_at = now()
                WHERE id = (NEW.payload->>'generation_id')::uuid
                  AND status NOT IN ('completed', 'failed', 'cancelled');
            END IF;
            RETURN NULL;
        END;
        $$ LANGUAGE plpgsql
        """,
        """
        CREATE TRIGGER job_queue_dead_letter AFTER UPDATE OF status ON job_queue
        FOR EACH ROW WHEN (NEW.status = 'failed' AND OLD.status <> 'failed') EXECUTE FUNCTION imagegen_fail_generation_of_dead_job()
        """,
        // The legacy SQL API, same signatures, with leases, run_at and backoff.
        """
        CREATE FUNCTION enqueue_job(
            p_job_type TEXT,
            p_payload JSONB,
            p_priority INTEGER DEFAULT 0,
            p_max_attempts INTEGER DEFAULT 3
        ) RETURNS UUID AS $$
        DECLARE
            v_job_id UUID;
        BEGIN
            INSERT INTO job_queue (job_type, payload, priority, max_attempts)
            VALUES (p_job_type, p_payload, p_priority, p_max_attempts)
            RETURNING id INTO v_job_id;
            RETURN v_job_id;
        END;
        $$ LANGUAGE plpgsql
        """,
        """
        CREATE FUNCTION claim_next_job()
        RETURNS TABLE(id UUID, job_type TEXT, payload JSONB, attempt_number INTEGER, max_attempts INTEGER) AS $$
        BEGIN
            RETURN QUERY
            UPDATE job_queue AS q
            SET status = 'processing',
                attempt_number = q.attempt_number + 1,
                locked_by = 'sql:claim_next_job',
                locked_until = now() + interval '15 minutes',
                started_at = now()
            WHERE q.id = (
                SELECT c.id FROM job_queue AS c
                WHERE c.status = 'pending' AND c.run_at <= now()
                ORDER BY c.priority DESC, c.created_at ASC
                FOR UPDATE SKIP LOCKED
                LIMIT 1
            )
            RETURNING q.id, q.job_type, q.payload, q.attempt_number, q.max_attempts;
        END;
        $$ LANGUAGE plpgsql
        """,
        """
        CREATE FUNCTION complete_job(
            p_job_id UUID,
            p_result JSONB DEFAULT NULL,
            p_error TEXT DEFAULT NULL
        ) RETURNS VOID AS $$
        DECLARE
            v_job job_queue%ROWTYPE;
        BEGIN
            SELECT * INTO v_job FROM job_queue WHERE job_queue.id = p_job_id FOR UPDATE;
            IF NOT FOUND THEN
                RAISE EXCEPTION 'Job not found: %', p_job_id;
            END IF;
            IF v_job.status <> 'processing' THEN
                RETURN;
            END IF;
            IF p_error IS NOT NULL THEN
                UPDATE job_queue
                SET status = CASE WHEN v_job.attempt_number < v_job.max_attempts THEN 'pending' ELSE 'failed' END,
                    error_message = p_error,
                    errors = errors || jsonb_build_object('attempt', v_job.attempt_number, 'error', p_error, 'at', now()),
                    run_at = now() + make_interval(secs => power(2, v_job.attempt_number)),
                    locked_by = NULL,
                    locked_until = NULL,
                    completed_at = CASE WHEN v_job.attempt_number < v_job.max_attempts THEN NULL ELSE now() END
                WHERE job_queue.id = p_job_id;
            ELSE
                UPDATE job_queue
                SET status = 'completed', result = p_result, completed_at = now(), locked_by = NULL, locked_until = NULL
                WHERE job_queue.id = p_job_id;
            END IF;
        END;
        $$ LANGUAGE plpgsql
        """,
        // Operators' view of the queue (the legacy views).
        """
        CREATE VIEW queue_health AS
        SELECT job_type, status, count(*) AS count, min(created_at) AS oldest, max(created_at) AS newest,
               avg(COALESCE(completed_at, now()) - created_at) AS avg_duration, avg(attempt_number) AS avg_attempts
        FROM job_queue GROUP BY job_type, status
        """,
        """
        CREATE VIEW stuck_jobs AS
        SELECT id, job_type, attempt_number, locked_by, locked_until, started_at,
               EXTRACT(EPOCH FROM now() - started_at) / 60 AS minutes_stuck
        FROM job_queue WHERE status = 'processing' AND locked_until < now()
        """,
    ]),
    Migration(version: 4, name: "notifications after commit", statements: [
        """
        CREATE OR REPLACE FUNCTION imagegen_notify_job() RETURNS trigger AS $$
        BEGIN
            PERFORM imagegen_notify('imagegen_jobs', NEW.job_type);
            RETURN NULL;
        END;
        $$ LANGUAGE plpgsql
        """,
    ]),
    Migration(version: 5, name: "claims through one index; dead letters indexed", statements: [
        // The legacy index of every pending row, whatever its type: with statistics that lag behind a burst, PostgreSQL
        // claimed through it, reading and sorting every pending row on each claim, and it cost every status change an
        // index update. `job_queue_available` holds the claim's own order per type; `claim_next_job()` still works.
        "DROP INDEX idx_job_queue_pending",
        // Dead letters, newest first (the admin listing), and counted per type (queue stats) without reading history.
        "CREATE INDEX job_queue_dead ON job_queue (completed_at DESC NULLS LAST, job_type) WHERE status = 'failed'",
    ]),
    Migration(version: 7, name: "one owner per contract", statements: ownerHooks),
    Migration(version: 14, name: "fair claims", statements: [
        // Within one priority, jobs are claimed by fairness rank first: a job's rank is how many live jobs its owner
        // already had when it was enqueued (the generation's user's running count), so every owner's first waiting job
        // comes before anyone's second, and one user's backlog of thousands does not hold up another user's one.
        "ALTER TABLE job_queue ADD COLUMN fair_rank INTEGER NOT NULL DEFAULT 0",
        "DROP INDEX job_queue_available",
        "CREATE INDEX job_queue_available ON job_queue (job_type, priority DESC, fair_rank, run_at, id) WHERE status = 'pending'",
    ]),
    Migration(version: 18, name: "trace context", statements: [
        // The W3C `traceparent` of the span that enqueued the job: every attempt, however late, joins that trace.
        "ALTER TABLE job_queue ADD COLUMN trace_context TEXT",
    ]),
]

/// Jobs are found by dedupe key (never by reading their payload); one default number of attempts; the hooks through
/// which the rest of the database follows a job's death and revival.
private let ownerHooks: [String] = [
    "DROP INDEX job_queue_generation",
    "CREATE INDEX job_queue_dedupe_key ON job_queue (dedupe_key)",
    "ALTER TABLE job_queue ALTER COLUMN max_attempts SET DEFAULT \(NewJob.defaultMaxAttempts)",
    """
    CREATE OR REPLACE FUNCTION imagegen_on_job_dead(p_job_type text, p_dedupe_key text, p_error text) RETURNS void AS $$
    BEGIN
    END;
    $$ LANGUAGE plpgsql
    """,
    """
    CREATE OR REPLACE FUNCTION imagegen_on_job_revived(p_job_type text, p_dedupe_key text) RETURNS void AS $$
    BEGIN
    END;
    $$ LANGUAGE plpgsql
    """,
    "DROP TRIGGER job_queue_dead_letter ON job_queue",
    "DROP FUNCTION imagegen_fail_generation_of_dead_job()",
    """
    CREATE FUNCTION imagegen_job_status_changed() RETURNS trigger AS $$
    BEGIN
        IF NEW.status = 'failed' THEN
            PERFORM imagegen_on_job_dead(NEW.job_type, NEW.dedupe_key, NEW.error_message);
        ELSIF OLD.status = 'failed' AND NEW.status = 'pending' THEN
            PERFORM imagegen_on_job_revived(NEW.job_type, NEW.dedupe_key);
        END IF;
        RETURN NULL;
    END;
    $$ LANGUAGE plpgsql
    """,
    """
    CREATE TRIGGER job_queue_dead_or_revived AFTER UPDATE OF status ON job_queue
    FOR EACH ROW WHEN ((NEW.status = 'failed' AND OLD.status <> 'failed') OR (OLD.status = 'failed' AND NEW.status = 'pending'))
    EXECUTE FUNCTION imagegen_job_status_changed()
    """,
]
