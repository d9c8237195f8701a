-- dispatch pauses

-- What an operator paused: a job type (no job of it is claimed) or a model (its generations wait to start). Paused work
-- stays pending and spends no attempts.
CREATE TABLE dispatch_pauses (
    kind text NOT NULL CHECK (kind IN ('job_type', 'model')),
    name text NOT NULL,
    reason text,
    paused_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (kind, name)
);

-- A resumed job type wakes the dispatchers.
CREATE FUNCTION imagegen_notify_resumed() RETURNS trigger AS $$
BEGIN
    IF OLD.kind = 'job_type' THEN
        PERFORM imagegen_notify('imagegen_jobs', OLD.name);
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER dispatch_pauses_resumed AFTER DELETE ON dispatch_pauses
FOR EACH ROW EXECUTE FUNCTION imagegen_notify_resumed();
