-- queue functions for other tables

-- Other tables reach the queue only through functions the queue defines. A dead or revived job tells its owner with
-- the job's payload (a generation's jobs carry `generation_id`), so nobody parses a dedupe key back out of text.

-- The queue's part: insert a job unless a live one has its dedupe key; count the live jobs of a type bound for one
-- receiver (`payload.receiver`), up to a limit (a fair rank); tell the owners of a job that died or was revived.
CREATE FUNCTION job_queue_enqueue(
    p_job_type text, p_payload jsonb, p_dedupe_key text, p_max_attempts integer, p_fair_rank integer DEFAULT 0
) RETURNS void AS $$
BEGIN
    INSERT INTO job_queue (job_type, payload, dedupe_key, max_attempts, fair_rank)
    VALUES (p_job_type, p_payload, p_dedupe_key, p_max_attempts, p_fair_rank)
    ON CONFLICT (dedupe_key) WHERE dedupe_key IS NOT NULL AND status IN ('pending', 'processing') DO NOTHING;
END;
$$ LANGUAGE plpgsql;

CREATE FUNCTION job_queue_live_for_receiver(p_job_type text, p_receiver text, p_limit integer) RETURNS integer AS $$
DECLARE
    v_count integer;
BEGIN
    SELECT count(*) INTO v_count FROM (
        SELECT 1 FROM job_queue
        WHERE job_type = p_job_type AND status IN ('pending', 'processing') AND payload->>'receiver' = p_receiver
        LIMIT p_limit
    ) AS live;
    RETURN v_count;
END;
$$ LANGUAGE plpgsql STABLE;

DROP TRIGGER job_queue_dead_or_revived ON job_queue;

DROP FUNCTION imagegen_job_status_changed();

DROP FUNCTION imagegen_on_job_dead(text, text, text);

DROP FUNCTION imagegen_on_job_revived(text, text);

-- The generations' part: a generation follows its jobs' death and revival (by the payload's `generation_id`).
CREATE FUNCTION imagegen_on_job_dead(p_job_type text, p_payload jsonb, p_error text) RETURNS void AS $$
BEGIN
    IF p_job_type IN ('generate-image', 'download-image') THEN
        -- A plain reason for the user: the job's own error names services and stays in its history.
        UPDATE image_generations
        SET status = 'failed', error_code = 'unavailable',
            error_message = 'The generation could not be completed because a service it needs kept failing; please try again', completed_at = now()
        WHERE id = (p_payload->>'generation_id')::uuid AND status IN ('pending', 'queued', 'processing', 'downloading');
    END IF;
END;
$$ LANGUAGE plpgsql;

CREATE FUNCTION imagegen_on_job_revived(p_job_type text, p_payload jsonb) RETURNS void AS $$
BEGIN
    IF p_job_type = 'generate-image' THEN
        UPDATE image_generations
        SET status = 'queued', error_code = NULL, error_message = NULL, completed_at = NULL
        WHERE id = (p_payload->>'generation_id')::uuid AND status IN ('failed') AND deleted_at IS NULL;
    ELSIF p_job_type = 'download-image' THEN
        UPDATE image_generations
        SET status = 'downloading', error_code = NULL, error_message = NULL, completed_at = NULL
        WHERE id = (p_payload->>'generation_id')::uuid AND status IN ('failed') AND deleted_at IS NULL;
    END IF;
END;
$$ LANGUAGE plpgsql;

-- The queue's trigger that calls them.
CREATE FUNCTION job_queue_status_changed() RETURNS trigger AS $$
BEGIN
    IF NEW.status = 'failed' THEN
        PERFORM imagegen_on_job_dead(NEW.job_type, NEW.payload, NEW.error_message);
    ELSIF OLD.status = 'failed' AND NEW.status = 'pending' THEN
        PERFORM imagegen_on_job_revived(NEW.job_type, NEW.payload);
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER job_queue_dead_or_revived AFTER UPDATE OF status ON job_queue
FOR EACH ROW WHEN ((NEW.status = 'failed' AND OLD.status <> 'failed') OR (OLD.status = 'failed' AND NEW.status = 'pending'))
EXECUTE FUNCTION job_queue_status_changed();

-- A generation's webhook deliveries go through the queue's functions.
CREATE OR REPLACE FUNCTION imagegen_enqueue_webhook() RETURNS trigger AS $$
DECLARE
    v_event text;
    v_receiver text := substring(NEW.webhook from '^[A-Za-z][A-Za-z0-9+.-]*://[^/?#]+');
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
    -- Ranked by the deliveries its receiver already has waiting (fair claims): a slow or dead receiver's backlog is
    -- claimed after everyone else's first delivery. Counted up to 64 only, so a burst to one receiver stays linear.
    PERFORM job_queue_enqueue(
        'deliver-webhook',
        jsonb_build_object('generation_id', NEW.id, 'user_id', NEW.user_id, 'event', v_event, 'receiver', v_receiver),
        'webhook:' || NEW.id || ':' || v_event || CASE WHEN v_event = 'progress' THEN ':' || NEW.progress ELSE '' END,
        22,
        job_queue_live_for_receiver('deliver-webhook', v_receiver, 64)
    );
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
