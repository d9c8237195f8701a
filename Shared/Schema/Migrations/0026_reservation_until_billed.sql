-- reservation until billed

-- A generation that ended while a prediction it created may still run at Replicate (cancelled by its user, timed out,
-- dead-lettered, past its deadline) is billed for that time, a figure that arrives later (the cancel's answer, a GET,
-- Replicate's webhook). Until it does, the generation keeps its budget reservation: cost_pending_since is when it began
-- waiting. Recording the final cost (or learning there is none) clears it; the dispatcher releases holds that wait too long.
ALTER TABLE image_generations ADD COLUMN cost_pending_since timestamptz;

CREATE INDEX image_generations_cost_pending ON image_generations (cost_pending_since) WHERE cost_pending_since IS NOT NULL;

CREATE OR REPLACE FUNCTION imagegen_track_spend() RETURNS trigger AS $$
DECLARE
    v_month date := imagegen_budget_month(now());
BEGIN
    IF TG_OP = 'INSERT' OR NOT NEW.status IN ('completed', 'failed', 'cancelled') THEN
        -- Revived while its cost was pending: the reservation it kept is the running one again.
        IF TG_OP = 'UPDATE' AND OLD.cost_pending_since IS NOT NULL THEN
            RETURN NULL;
        END IF;
        -- Started or revived: it reserves its expected cost.
        INSERT INTO generation_slots AS s (user_id, reserved_usd) VALUES (NEW.user_id, NEW.expected_cost)
        ON CONFLICT (user_id) DO UPDATE SET reserved_usd = s.reserved_usd + NEW.expected_cost;
    ELSE
        -- Finished: what it cost counts in this month, and the reservation ends unless its cost is still pending.
        UPDATE generation_slots
        SET reserved_usd = greatest(0, reserved_usd - CASE WHEN NEW.cost_pending_since IS NULL THEN OLD.expected_cost ELSE 0 END),
            spent_usd = CASE WHEN spent_month = v_month THEN spent_usd ELSE 0 END + coalesce(NEW.cost, 0),
            spent_month = v_month
        WHERE user_id = NEW.user_id;
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

-- A revived generation runs again: nothing is pending any more.
CREATE FUNCTION imagegen_clear_cost_pending() RETURNS trigger AS $$
BEGIN
    NEW.cost_pending_since := NULL;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER image_generations_revived_cost_pending BEFORE UPDATE OF status ON image_generations
FOR EACH ROW WHEN (OLD.cost_pending_since IS NOT NULL AND NOT NEW.status IN ('completed', 'failed', 'cancelled'))
EXECUTE FUNCTION imagegen_clear_cost_pending();

-- A cost recorded after the end counts in spend; the end of its wait releases the reservation it kept.
CREATE OR REPLACE FUNCTION imagegen_track_late_cost() RETURNS trigger AS $$
DECLARE
    v_month date := imagegen_budget_month(now());
BEGIN
    UPDATE generation_slots
    SET spent_usd = CASE WHEN spent_month = v_month THEN spent_usd ELSE 0 END + coalesce(NEW.cost, 0) - coalesce(OLD.cost, 0),
        spent_month = v_month,
        reserved_usd = greatest(0, reserved_usd - CASE WHEN OLD.cost_pending_since IS NOT NULL AND NEW.cost_pending_since IS NULL
                                                       THEN NEW.expected_cost ELSE 0 END)
    WHERE user_id = NEW.user_id;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

DROP TRIGGER image_generations_late_cost ON image_generations;

CREATE TRIGGER image_generations_late_cost AFTER UPDATE OF cost, cost_pending_since ON image_generations
FOR EACH ROW WHEN (OLD.status IN ('completed', 'failed', 'cancelled') AND NEW.status IN ('completed', 'failed', 'cancelled')
                   AND (NEW.cost IS DISTINCT FROM OLD.cost OR (OLD.cost_pending_since IS NOT NULL AND NEW.cost_pending_since IS NULL)))
EXECUTE FUNCTION imagegen_track_late_cost();

-- A dead generate job whose prediction may still run keeps its reservation until that prediction's cost is known.
CREATE OR REPLACE FUNCTION imagegen_on_job_dead(p_job_type text, p_payload jsonb, p_error text) RETURNS void AS $$
BEGIN
    IF p_job_type IN ('generate-image', 'download-image') THEN
        -- A plain reason for the user: the job's own error names services and stays in its history.
        UPDATE image_generations
        SET status = 'failed', error_code = 'unavailable',
            error_message = 'The generation could not be completed because a service it needs kept failing; please try again', completed_at = now(),
            cost_pending_since = CASE WHEN status IN ('pending', 'queued', 'processing') AND replicate_prediction_id IS NOT NULL AND cost IS NULL
                                      THEN now() END
        WHERE id = (p_payload->>'generation_id')::uuid AND status IN ('pending', 'queued', 'processing', 'downloading');
    END IF;
END;
$$ LANGUAGE plpgsql;
