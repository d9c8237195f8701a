-- generations, jobs, images

CREATE FUNCTION imagegen_touch_updated_at() RETURNS trigger AS $$
BEGIN
    NEW.updated_at = now();
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

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
);

CREATE INDEX idx_job_queue_pending ON job_queue (status, priority DESC, created_at ASC) WHERE status = 'pending';

CREATE INDEX job_queue_available ON job_queue (job_type, priority DESC, run_at, id) WHERE status = 'pending';

CREATE INDEX job_queue_leases ON job_queue (locked_until) WHERE status = 'processing';

CREATE INDEX job_queue_finished ON job_queue (completed_at) WHERE status IN ('completed', 'cancelled');

CREATE INDEX job_queue_generation ON job_queue ((lower(payload->>'generation_id')));

CREATE UNIQUE INDEX job_queue_dedupe ON job_queue (dedupe_key) WHERE dedupe_key IS NOT NULL AND status IN ('pending', 'processing');

CREATE TRIGGER job_queue_updated_at BEFORE UPDATE ON job_queue FOR EACH ROW EXECUTE FUNCTION imagegen_touch_updated_at();

CREATE FUNCTION imagegen_notify_job() RETURNS trigger AS $$
BEGIN
    PERFORM pg_notify('imagegen_jobs', NEW.job_type);
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER job_queue_notify_insert AFTER INSERT ON job_queue
FOR EACH ROW WHEN (NEW.status = 'pending') EXECUTE FUNCTION imagegen_notify_job();

CREATE TRIGGER job_queue_notify_requeue AFTER UPDATE OF status ON job_queue
FOR EACH ROW WHEN (NEW.status = 'pending' AND OLD.status <> 'pending') EXECUTE FUNCTION imagegen_notify_job();

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
$$ LANGUAGE plpgsql;

CREATE TRIGGER job_queue_dead_letter AFTER UPDATE OF status ON job_queue
FOR EACH ROW WHEN (NEW.status = 'failed' AND OLD.status <> 'failed') EXECUTE FUNCTION imagegen_fail_generation_of_dead_job();

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
$$ LANGUAGE plpgsql;

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
$$ LANGUAGE plpgsql;

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
$$ LANGUAGE plpgsql;

CREATE VIEW queue_health AS
SELECT job_type, status, count(*) AS count, min(created_at) AS oldest, max(created_at) AS newest,
       avg(COALESCE(completed_at, now()) - created_at) AS avg_duration, avg(attempt_number) AS avg_attempts
FROM job_queue GROUP BY job_type, status;

CREATE VIEW stuck_jobs AS
SELECT id, job_type, attempt_number, locked_by, locked_until, started_at,
       EXTRACT(EPOCH FROM now() - started_at) / 60 AS minutes_stuck
FROM job_queue WHERE status = 'processing' AND locked_until < now();

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
);

CREATE UNIQUE INDEX image_generations_idempotency ON image_generations (user_id, idempotency_key) WHERE idempotency_key IS NOT NULL;

CREATE INDEX image_generations_user_created ON image_generations (user_id, created_at DESC, id DESC);

CREATE INDEX image_generations_status ON image_generations (status, updated_at);

CREATE TABLE generation_events (
    id BIGSERIAL PRIMARY KEY,
    generation_id UUID NOT NULL REFERENCES image_generations(id) ON DELETE CASCADE,
    status TEXT NOT NULL,
    progress INTEGER NOT NULL,
    error_message TEXT,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE INDEX generation_events_generation ON generation_events (generation_id, id);

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
);

CREATE INDEX images_user ON images (user_id, created_at DESC);

CREATE TRIGGER image_generations_updated_at BEFORE UPDATE ON image_generations
FOR EACH ROW EXECUTE FUNCTION imagegen_touch_updated_at();

CREATE FUNCTION imagegen_guard_terminal_generation() RETURNS trigger AS $$
BEGIN
    IF OLD.status IN ('completed', 'failed', 'cancelled') AND NEW.status IS DISTINCT FROM OLD.status THEN
        RAISE EXCEPTION 'generation % is % and cannot become %', OLD.id, OLD.status, NEW.status
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER image_generations_terminal BEFORE UPDATE OF status ON image_generations
FOR EACH ROW EXECUTE FUNCTION imagegen_guard_terminal_generation();

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
$$ LANGUAGE plpgsql;

CREATE TRIGGER image_generations_events AFTER INSERT OR UPDATE ON image_generations
FOR EACH ROW EXECUTE FUNCTION imagegen_record_generation_event();
