-- client webhooks

ALTER TABLE image_generations ADD COLUMN webhook TEXT, ADD COLUMN webhook_events_filter TEXT[],
    ADD COLUMN webhook_disabled_at TIMESTAMPTZ;

CREATE TABLE webhook_secrets (
    user_id UUID PRIMARY KEY,
    secret TEXT NOT NULL,
    previous_secret TEXT,
    previous_until TIMESTAMPTZ,
    rotated_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE webhook_deliveries (
    id BIGSERIAL PRIMARY KEY,
    generation_id UUID NOT NULL REFERENCES image_generations (id) ON DELETE CASCADE,
    webhook_id TEXT NOT NULL,
    event TEXT NOT NULL,
    attempt INTEGER NOT NULL,
    attempted_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    status_code INTEGER,
    duration_ms INTEGER NOT NULL,
    error TEXT,
    next_attempt_at TIMESTAMPTZ
);

CREATE INDEX webhook_deliveries_generation ON webhook_deliveries (generation_id, id);

CREATE INDEX job_queue_webhook_receiver ON job_queue ((payload->>'receiver'))
WHERE job_type = 'deliver-webhook' AND status IN ('pending', 'processing');

CREATE FUNCTION imagegen_enqueue_webhook() RETURNS trigger AS $$
DECLARE
    v_event text;
    v_key text;
    v_receiver text := substring(NEW.webhook from '^[A-Za-z][A-Za-z0-9+.-]*://[^/?#]+');
    v_rank integer;
BEGIN
    IF NEW.webhook_disabled_at IS NOT NULL THEN
        RETURN NULL;
    ELSIF NEW.status IN ('completed', 'failed', 'cancelled') THEN
        IF TG_OP = 'UPDATE' AND OLD.status = NEW.status THEN RETURN NULL; END IF;
        v_event := 'completed';
    ELSIF NEW.status = 'processing' AND (TG_OP = 'INSERT' OR OLD.status <> 'processing') THEN
        v_event := 'start';
    ELSIF NEW.status = 'processing' AND TG_OP = 'UPDATE' AND NEW.progress <> OLD.progress THEN
        v_event := 'progress';
    ELSE
        RETURN NULL;
    END IF;
    IF NOT v_event = ANY (NEW.webhook_events_filter) THEN RETURN NULL; END IF;
    v_key := 'webhook:' || NEW.id || ':' || v_event || CASE WHEN v_event = 'progress' THEN ':' || NEW.progress ELSE '' END;
    -- Ranked by the deliveries its receiver already has waiting (fair claims): a slow or dead receiver's backlog is
    -- claimed after everyone else's first delivery. Counted up to 64 only, so a burst to one receiver stays linear.
    SELECT count(*) INTO v_rank FROM (
        SELECT 1 FROM job_queue
        WHERE job_type = 'deliver-webhook' AND status IN ('pending', 'processing') AND payload->>'receiver' = v_receiver
        LIMIT 64
    ) AS waiting;
    INSERT INTO job_queue (job_type, payload, dedupe_key, max_attempts, fair_rank)
    VALUES ('deliver-webhook',
            jsonb_build_object('generation_id', NEW.id, 'user_id', NEW.user_id, 'event', v_event, 'receiver', v_receiver),
            v_key, 22, v_rank)
    ON CONFLICT (dedupe_key) WHERE dedupe_key IS NOT NULL AND status IN ('pending', 'processing') DO NOTHING;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER image_generations_webhook AFTER INSERT OR UPDATE OF status, progress ON image_generations
FOR EACH ROW WHEN (NEW.webhook IS NOT NULL) EXECUTE FUNCTION imagegen_enqueue_webhook();
