/// One ordered schema change: statements run in one transaction and recorded in `schema_migrations`.
package struct Migration: Sendable {
    package var version: Int
    package var name: String
    package var statements: [String]
}

/// Every migration, in order. Append new ones; never edit an applied one.
package let migrations: [Migration] = [
    Migration(version: 1, name: "generations, jobs, images", statements: initialSchema),
    Migration(version: 2, name: "generation events in notifications", statements: eventsInNotifications),
    Migration(version: 3, name: "index of running generations per user", statements: [
        // The gateway's per-user cap counts only running generations.
        """
        CREATE INDEX image_generations_user_active ON image_generations (user_id)
        WHERE status IN ('pending', 'queued', 'processing', 'downloading')
        """,
    ]),
    Migration(version: 4, name: "notifications after commit", statements: notificationsAfterCommit),
    Migration(version: 5, name: "claims through one index; dead letters indexed", statements: [
        // The seed's index of every pending row, whatever its type. While the statistics still say the queue is empty (a
        // burst arriving before the next ANALYZE), PostgreSQL claimed through it: read every pending row, filter the
        // type, sort, take a few, on each claim (measured: 25-48 ms per claim of 128 jobs behind a 20,000-job backlog,
        // against 6.6 ms through `job_queue_available`, which holds the claim's own order per type). It also cost every
        // status change an index update. `claim_next_job()` still works, sorting the pending rows itself.
        "DROP INDEX idx_job_queue_pending",
        // Dead letters, newest first (the admin listing), and counted per type (queue stats) without reading history.
        "CREATE INDEX job_queue_dead ON job_queue (completed_at DESC NULLS LAST, job_type) WHERE status = 'failed'",
    ]),
    Migration(version: 6, name: "one generation per prediction", statements: [
        // A retry that lost the create's answer adopts a prediction no generation has recorded: this finds those
        // recorded, and keeps two retries from adopting the same one.
        """
        CREATE UNIQUE INDEX image_generations_prediction ON image_generations (replicate_prediction_id)
        WHERE replicate_prediction_id IS NOT NULL
        """,
    ]),
]

private let terminalGenerationStatuses = "('completed', 'failed', 'cancelled')"

private let initialSchema: [String] = [
    // Generations: the seed's columns plus catalog id, img2img inputs, progress, cost and idempotency.
    """
    CREATE TABLE image_generations (
        id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
        user_id UUID NOT NULL,
        prompt TEXT NOT NULL,
        negative_prompt TEXT,
        model TEXT NOT NULL,
        model_id TEXT NOT NULL,
        model_version TEXT,
        style TEXT,
        width INTEGER NOT NULL,
        height INTEGER NOT NULL,
        steps INTEGER NOT NULL,
        guidance_scale NUMERIC NOT NULL,
        seed BIGINT,
        source_image_url TEXT,
        strength NUMERIC,
        num_outputs INTEGER NOT NULL DEFAULT 1 CHECK (num_outputs BETWEEN 1 AND 4),
        priority INTEGER NOT NULL DEFAULT 0,
        status TEXT NOT NULL DEFAULT 'pending'
            CHECK (status IN ('pending', 'queued', 'processing', 'downloading', 'completed', 'failed', 'cancelled')),
        progress INTEGER NOT NULL DEFAULT 0 CHECK (progress BETWEEN 0 AND 100),
        error_message TEXT,
        generation_time_seconds INTEGER,
        replicate_prediction_id TEXT,
        output_urls JSONB,
        predict_time DOUBLE PRECISION,
        cost NUMERIC,
        idempotency_key TEXT,
        request_hash TEXT,
        created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
        updated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
        completed_at TIMESTAMPTZ
    )
    """,
    "CREATE UNIQUE INDEX image_generations_idempotency ON image_generations (user_id, idempotency_key) WHERE idempotency_key IS NOT NULL",
    "CREATE INDEX image_generations_user_created ON image_generations (user_id, created_at DESC, id DESC)",
    "CREATE INDEX image_generations_status ON image_generations (status, updated_at)",
    // Every status or progress change, in order: what the gateway's SSE replays after Last-Event-ID.
    """
    CREATE TABLE generation_events (
        id BIGSERIAL PRIMARY KEY,
        generation_id UUID NOT NULL REFERENCES image_generations(id) ON DELETE CASCADE,
        status TEXT NOT NULL,
        progress INTEGER NOT NULL,
        error_message TEXT,
        created_at TIMESTAMPTZ NOT NULL DEFAULT now()
    )
    """,
    "CREATE INDEX generation_events_generation ON generation_events (generation_id, id)",
    // The job queue: the seed's columns plus delay, lease, error history, dedupe key and start time.
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
    // The seed's index, kept so its plans and queries behave as documented.
    "CREATE INDEX idx_job_queue_pending ON job_queue (status, priority DESC, created_at ASC) WHERE status = 'pending'",
    // The claim path: only runnable rows, in claim order, per type.
    "CREATE INDEX job_queue_available ON job_queue (job_type, priority DESC, run_at, id) WHERE status = 'pending'",
    "CREATE INDEX job_queue_leases ON job_queue (locked_until) WHERE status = 'processing'",
    "CREATE INDEX job_queue_finished ON job_queue (completed_at) WHERE status IN ('completed', 'cancelled')",
    "CREATE INDEX job_queue_generation ON job_queue ((lower(payload->>'generation_id')))",
    "CREATE UNIQUE INDEX job_queue_dedupe ON job_queue (dedupe_key) WHERE dedupe_key IS NOT NULL AND status IN ('pending', 'processing')",
    // Stored images: the seed's columns plus output index, measured size, digest and type.
    """
    CREATE TABLE images (
        id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
        generation_id UUID REFERENCES image_generations(id) ON DELETE CASCADE,
        user_id UUID NOT NULL,
        output_index INTEGER NOT NULL DEFAULT 0,
        filename TEXT NOT NULL,
        storage_path TEXT NOT NULL,
        public_url TEXT NOT NULL,
        file_size INTEGER NOT NULL,
        width INTEGER NOT NULL,
        height INTEGER NOT NULL,
        format TEXT NOT NULL,
        content_type TEXT NOT NULL,
        sha256 TEXT NOT NULL,
        source_url TEXT,
        prompt TEXT,
        negative_prompt TEXT,
        model TEXT,
        created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
        UNIQUE (generation_id, output_index)
    )
    """,
    "CREATE INDEX images_user ON images (user_id, created_at DESC)",
    // updated_at follows every change, whoever writes it.
    """
    CREATE FUNCTION imagegen_touch_updated_at() RETURNS trigger AS $$
    BEGIN
        NEW.updated_at = now();
        RETURN NEW;
    END;
    $$ LANGUAGE plpgsql
    """,
    "CREATE TRIGGER job_queue_updated_at BEFORE UPDATE ON job_queue FOR EACH ROW EXECUTE FUNCTION imagegen_touch_updated_at()",
    """
    CREATE TRIGGER image_generations_updated_at BEFORE UPDATE ON image_generations
    FOR EACH ROW EXECUTE FUNCTION imagegen_touch_updated_at()
    """,
    // A terminal generation never changes status again, whichever statement tries.
    """
    CREATE FUNCTION imagegen_guard_terminal_generation() RETURNS trigger AS $$
    BEGIN
        IF OLD.status IN \(terminalGenerationStatuses) AND NEW.status IS DISTINCT FROM OLD.status THEN
            RAISE EXCEPTION 'generation % is % and cannot become %', OLD.id, OLD.status, NEW.status
                USING ERRCODE = 'check_violation';
        END IF;
        RETURN NEW;
    END;
    $$ LANGUAGE plpgsql
    """,
    """
    CREATE TRIGGER image_generations_terminal BEFORE UPDATE OF status ON image_generations
    FOR EACH ROW EXECUTE FUNCTION imagegen_guard_terminal_generation()
    """,
    // Each status or progress change is recorded and announced on channel imagegen_generation_events.
    """
    CREATE FUNCTION imagegen_record_generation_event() RETURNS trigger AS $$
    DECLARE
        v_event_id BIGINT;
    BEGIN
        IF TG_OP = 'INSERT' OR NEW.status IS DISTINCT FROM OLD.status OR NEW.progress IS DISTINCT FROM OLD.progress THEN
            INSERT INTO generation_events (generation_id, status, progress, error_message)
            VALUES (NEW.id, NEW.status, NEW.progress, NEW.error_message)
            RETURNING id INTO v_event_id;
            PERFORM pg_notify('imagegen_generation_events', NEW.id::text || ':' || v_event_id::text);
        END IF;
        RETURN NULL;
    END;
    $$ LANGUAGE plpgsql
    """,
    """
    CREATE TRIGGER image_generations_events AFTER INSERT OR UPDATE ON image_generations
    FOR EACH ROW EXECUTE FUNCTION imagegen_record_generation_event()
    """,
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
    // A dead-lettered job fails its generation in the same transaction, so no generation waits forever.
    """
    CREATE FUNCTION imagegen_fail_generation_of_dead_job() RETURNS trigger AS $$
    BEGIN
        IF NEW.payload->>'generation_id' ~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' THEN
            UPDATE image_generations
            SET status = 'failed',
                error_message = COALESCE(NEW.error_message, 'job ' || NEW.job_type || ' failed'),
                completed_at = now()
            WHERE id = (NEW.payload->>'generation_id')::uuid
              AND status NOT IN \(terminalGenerationStatuses);
        END IF;
        RETURN NULL;
    END;
    $$ LANGUAGE plpgsql
    """,
    """
    CREATE TRIGGER job_queue_dead_letter AFTER UPDATE OF status ON job_queue
    FOR EACH ROW WHEN (NEW.status = 'failed' AND OLD.status <> 'failed') EXECUTE FUNCTION imagegen_fail_generation_of_dead_job()
    """,
    // The seed's SQL API, same signatures, with leases, run_at and backoff.
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
    // Operators' view of the queue (as in the deployed seed migration).
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
]

/// Generation events carry their content in the notification, so a gateway fans one notification out to every stream
/// of that generation without a query per stream.
private let eventsInNotifications: [String] = [
    """
    CREATE OR REPLACE FUNCTION imagegen_record_generation_event() RETURNS trigger AS $$
    DECLARE
        v_event generation_events%ROWTYPE;
    BEGIN
        IF TG_OP = 'INSERT' OR NEW.status IS DISTINCT FROM OLD.status OR NEW.progress IS DISTINCT FROM OLD.progress THEN
            INSERT INTO generation_events (generation_id, status, progress, error_message)
            VALUES (NEW.id, NEW.status, NEW.progress, left(NEW.error_message, 2000))
            RETURNING * INTO v_event;
            PERFORM pg_notify('imagegen_generation_events', json_build_object(
                'id', v_event.id, 'generation_id', v_event.generation_id, 'status', v_event.status, 'progress', v_event.progress,
                'error_message', v_event.error_message,
                'created_at', to_char(v_event.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')
            )::text);
        END IF;
        RETURN NULL;
    END;
    $$ LANGUAGE plpgsql
    """,
]

/// PostgreSQL serialises the commits of every transaction that sent a NOTIFY, on one lock held until the WAL is flushed:
/// under load, durable writes that notify queue behind each other (measured: waits of 40–70 ms, over a thousand of them
/// in a 2,000-generation burst). A session that sets `imagegen.defer_notify = on` keeps its triggers' notifications in a
/// session variable instead (rolled back with its transaction) and sends them with `imagegen_publish_notifications()`
/// after the commit, in a transaction that writes nothing, so holds that lock only for a moment. Other sessions notify
/// as before. A notification lost to a crash between the two is covered by the listeners' poll and resync.
private let notificationsAfterCommit: [String] = [
    """
    CREATE FUNCTION imagegen_notify(p_channel text, p_payload text) RETURNS void AS $$
    BEGIN
        IF current_setting('imagegen.defer_notify', true) = 'on' THEN
            PERFORM set_config('imagegen.deferred_notifications',
                (COALESCE(NULLIF(current_setting('imagegen.deferred_notifications', true), ''), '[]')::jsonb
                    || jsonb_build_array(jsonb_build_array(p_channel, p_payload)))::text,
                false);
        ELSE
            PERFORM pg_notify(p_channel, p_payload);
        END IF;
    END;
    $$ LANGUAGE plpgsql
    """,
    """
    CREATE FUNCTION imagegen_publish_notifications() RETURNS integer AS $$
    DECLARE
        v_pending jsonb := COALESCE(NULLIF(current_setting('imagegen.deferred_notifications', true), ''), '[]')::jsonb;
    BEGIN
        PERFORM set_config('imagegen.deferred_notifications', '', false);
        PERFORM pg_notify(n->>0, n->>1) FROM jsonb_array_elements(v_pending) AS n;
        RETURN jsonb_array_length(v_pending);
    END;
    $$ LANGUAGE plpgsql
    """,
    // A new generation has no subscriber yet (its id is not known before the insert returns; streams replay the log).
    """
    CREATE OR REPLACE FUNCTION imagegen_record_generation_event() RETURNS trigger AS $$
    DECLARE
        v_event generation_events%ROWTYPE;
    BEGIN
        IF TG_OP = 'INSERT' OR NEW.status IS DISTINCT FROM OLD.status OR NEW.progress IS DISTINCT FROM OLD.progress THEN
            INSERT INTO generation_events (generation_id, status, progress, error_message)
            VALUES (NEW.id, NEW.status, NEW.progress, left(NEW.error_message, 2000))
            RETURNING * INTO v_event;
            IF TG_OP = 'UPDATE' THEN
                PERFORM imagegen_notify('imagegen_generation_events', json_build_object(
                    'id', v_event.id, 'generation_id', v_event.generation_id, 'status', v_event.status, 'progress', v_event.progress,
                    'error_message', v_event.error_message,
                    'created_at', to_char(v_event.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')
                )::text);
            END IF;
        END IF;
        RETURN NULL;
    END;
    $$ LANGUAGE plpgsql
    """,
    """
    CREATE OR REPLACE FUNCTION imagegen_notify_job() RETURNS trigger AS $$
    BEGIN
        PERFORM imagegen_notify('imagegen_jobs', NEW.job_type);
        RETURN NULL;
    END;
    $$ LANGUAGE plpgsql
    """,
]
