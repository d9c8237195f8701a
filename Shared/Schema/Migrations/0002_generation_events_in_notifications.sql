-- generation events in notifications

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
$$ LANGUAGE plpgsql;
