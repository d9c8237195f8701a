-- one owner per contract

CREATE OR REPLACE FUNCTION imagegen_publish_notifications() RETURNS integer AS $$
DECLARE
    v_pending jsonb := COALESCE(NULLIF(current_setting('imagegen.deferred_notifications', true), ''), '[]')::jsonb;
    v_sent integer := 0;
    v_notification jsonb;
BEGIN
    PERFORM set_config('imagegen.deferred_notifications', '', false);
    FOR v_notification IN SELECT * FROM jsonb_array_elements(v_pending) LOOP
        BEGIN
            PERFORM pg_notify(v_notification->>0, v_notification->>1);
            v_sent := v_sent + 1;
        EXCEPTION WHEN OTHERS THEN
            RAISE WARNING 'notification on % not sent: %', v_notification->>0, SQLERRM;
        END;
    END LOOP;
    RETURN v_sent;
END;
$$ LANGUAGE plpgsql;

DROP INDEX job_queue_generation;

CREATE INDEX job_queue_dedupe_key ON job_queue (dedupe_key);

ALTER TABLE job_queue ALTER COLUMN max_attempts SET DEFAULT 5;

CREATE OR REPLACE FUNCTION imagegen_on_job_dead(p_job_type text, p_dedupe_key text, p_error text) RETURNS void AS $$
BEGIN
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION imagegen_on_job_revived(p_job_type text, p_dedupe_key text) RETURNS void AS $$
BEGIN
END;
$$ LANGUAGE plpgsql;

DROP TRIGGER job_queue_dead_letter ON job_queue;

DROP FUNCTION imagegen_fail_generation_of_dead_job();

CREATE FUNCTION imagegen_job_status_changed() RETURNS trigger AS $$
BEGIN
    IF NEW.status = 'failed' THEN
        PERFORM imagegen_on_job_dead(NEW.job_type, NEW.dedupe_key, NEW.error_message);
    ELSIF OLD.status = 'failed' AND NEW.status = 'pending' THEN
        PERFORM imagegen_on_job_revived(NEW.job_type, NEW.dedupe_key);
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER job_queue_dead_or_revived AFTER UPDATE OF status ON job_queue
FOR EACH ROW WHEN ((NEW.status = 'failed' AND OLD.status <> 'failed') OR (OLD.status = 'failed' AND NEW.status = 'pending'))
EXECUTE FUNCTION imagegen_job_status_changed();

ALTER TABLE generation_events ADD COLUMN event TEXT;

ALTER TABLE image_generations ADD COLUMN error_code TEXT;

CREATE FUNCTION imagegen_left_bytes(p_text text, p_bytes integer) RETURNS text AS $$
DECLARE
    v_text text := left(p_text, p_bytes);
BEGIN
    WHILE octet_length(v_text) > p_bytes LOOP
        v_text := left(v_text, length(v_text) - GREATEST(1, (octet_length(v_text) - p_bytes) / 4));
    END LOOP;
    RETURN v_text;
END;
$$ LANGUAGE plpgsql IMMUTABLE;

DROP TRIGGER image_generations_terminal ON image_generations;

DROP FUNCTION imagegen_guard_terminal_generation();

CREATE FUNCTION imagegen_guard_generation_transition() RETURNS trigger AS $$
BEGIN
    IF NEW.status IS DISTINCT FROM OLD.status
       AND (OLD.status, NEW.status) NOT IN (('pending', 'processing'), ('queued', 'processing'), ('processing', 'downloading'), ('downloading', 'completed'), ('pending', 'failed'), ('queued', 'failed'), ('processing', 'failed'), ('downloading', 'failed'), ('pending', 'cancelled'), ('queued', 'cancelled'), ('processing', 'cancelled'), ('downloading', 'cancelled'), ('failed', 'queued'), ('failed', 'downloading')) THEN
        RAISE EXCEPTION 'generation % cannot go from % to %', OLD.id, OLD.status, NEW.status
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER image_generations_transition BEFORE UPDATE OF status ON image_generations
FOR EACH ROW EXECUTE FUNCTION imagegen_guard_generation_transition();

CREATE OR REPLACE FUNCTION imagegen_record_generation_event() RETURNS trigger AS $$
DECLARE
    v_event generation_events%ROWTYPE;
BEGIN
    IF TG_OP = 'INSERT' OR NEW.status IS DISTINCT FROM OLD.status OR NEW.progress IS DISTINCT FROM OLD.progress THEN
        INSERT INTO generation_events (generation_id, status, progress, error_message, event)
        VALUES (NEW.id, NEW.status, NEW.progress,
                CASE WHEN octet_length(NEW.error_message) > 2000 THEN imagegen_left_bytes(NEW.error_message, 2000) ELSE NEW.error_message END,
                CASE WHEN TG_OP = 'INSERT' THEN 'created'
                     WHEN NEW.status IS NOT DISTINCT FROM OLD.status THEN 'progress'
                     ELSE CASE WHEN OLD.status = 'pending' AND NEW.status = 'processing' THEN 'started' WHEN OLD.status = 'queued' AND NEW.status = 'processing' THEN 'started' WHEN OLD.status = 'processing' AND NEW.status = 'downloading' THEN 'generated' WHEN OLD.status = 'downloading' AND NEW.status = 'completed' THEN 'completed' WHEN OLD.status = 'pending' AND NEW.status = 'failed' THEN 'failed' WHEN OLD.status = 'queued' AND NEW.status = 'failed' THEN 'failed' WHEN OLD.status = 'processing' AND NEW.status = 'failed' THEN 'failed' WHEN OLD.status = 'downloading' AND NEW.status = 'failed' THEN 'failed' WHEN OLD.status = 'pending' AND NEW.status = 'cancelled' THEN 'cancelled' WHEN OLD.status = 'queued' AND NEW.status = 'cancelled' THEN 'cancelled' WHEN OLD.status = 'processing' AND NEW.status = 'cancelled' THEN 'cancelled' WHEN OLD.status = 'downloading' AND NEW.status = 'cancelled' THEN 'cancelled' WHEN OLD.status = 'failed' AND NEW.status = 'queued' THEN 'revived' WHEN OLD.status = 'failed' AND NEW.status = 'downloading' THEN 'revived' END END)
        RETURNING * INTO v_event;
        IF TG_OP = 'UPDATE' THEN
            PERFORM imagegen_notify('imagegen_generation_events', json_build_object(
                'id', v_event.id, 'generation_id', v_event.generation_id, 'status', v_event.status, 'progress', v_event.progress,
                'error_message', v_event.error_message, 'event', v_event.event,
                'created_at', to_char(v_event.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')
            )::text);
        END IF;
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION imagegen_on_job_dead(p_job_type text, p_dedupe_key text, p_error text) RETURNS void AS $$
BEGIN
    IF p_job_type IN ('generate-image', 'download-image') THEN
        -- A plain reason for the user: the job's own error names services and stays in its history.
        UPDATE image_generations
        SET status = 'failed', error_code = 'unavailable',
            error_message = 'The generation could not be completed because a service it needs kept failing; please try again', completed_at = now()
        WHERE id = split_part(p_dedupe_key, ':', 2)::uuid AND status IN ('pending', 'queued', 'processing', 'downloading');
    END IF;
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION imagegen_on_job_revived(p_job_type text, p_dedupe_key text) RETURNS void AS $$
BEGIN
    IF p_job_type = 'generate-image' THEN
        UPDATE image_generations
        SET status = 'queued', error_code = NULL, error_message = NULL, completed_at = NULL
        WHERE id = split_part(p_dedupe_key, ':', 2)::uuid AND status IN ('failed');
    ELSIF p_job_type = 'download-image' THEN
        UPDATE image_generations
        SET status = 'downloading', error_code = NULL, error_message = NULL, completed_at = NULL
        WHERE id = split_part(p_dedupe_key, ':', 2)::uuid AND status IN ('failed');
    END IF;
END;
$$ LANGUAGE plpgsql;
