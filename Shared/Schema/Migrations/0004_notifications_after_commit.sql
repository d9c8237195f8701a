-- notifications after commit

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
$$ LANGUAGE plpgsql;

CREATE FUNCTION imagegen_publish_notifications() RETURNS integer AS $$
DECLARE
    v_pending jsonb := COALESCE(NULLIF(current_setting('imagegen.deferred_notifications', true), ''), '[]')::jsonb;
BEGIN
    PERFORM set_config('imagegen.deferred_notifications', '', false);
    PERFORM pg_notify(n->>0, n->>1) FROM jsonb_array_elements(v_pending) AS n;
    RETURN jsonb_array_length(v_pending);
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION imagegen_notify_job() RETURNS trigger AS $$
BEGIN
    PERFORM imagegen_notify('imagegen_jobs', NEW.job_type);
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

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
$$ LANGUAGE plpgsql;
