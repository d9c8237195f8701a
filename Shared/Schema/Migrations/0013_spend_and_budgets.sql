-- spend and budgets

ALTER TABLE image_generations ADD COLUMN expected_cost NUMERIC(12, 6) NOT NULL DEFAULT 0;

ALTER TABLE generation_slots
    ADD COLUMN reserved_usd NUMERIC(14, 6) NOT NULL DEFAULT 0,
    ADD COLUMN spent_usd NUMERIC(14, 6) NOT NULL DEFAULT 0,
    ADD COLUMN spent_month DATE NOT NULL DEFAULT date_trunc('month', now())::date,
    ADD COLUMN monthly_budget_usd NUMERIC(14, 6) CHECK (monthly_budget_usd >= 0);

UPDATE generation_slots s SET spent_usd = coalesce((
    SELECT sum(cost) FROM image_generations g
    WHERE g.user_id = s.user_id AND g.completed_at >= date_trunc('month', now()) AND g.cost IS NOT NULL), 0);

CREATE FUNCTION imagegen_track_spend() RETURNS trigger AS $$
DECLARE
    v_month date := date_trunc('month', now())::date;
BEGIN
    IF TG_OP = 'INSERT' OR NOT NEW.status IN ('completed', 'failed', 'cancelled') THEN
        -- Started or revived: it reserves its expected cost.
        INSERT INTO generation_slots AS s (user_id, reserved_usd) VALUES (NEW.user_id, NEW.expected_cost)
        ON CONFLICT (user_id) DO UPDATE SET reserved_usd = s.reserved_usd + NEW.expected_cost;
    ELSE
        -- Finished: the reservation ends and what it cost counts in this month.
        UPDATE generation_slots
        SET reserved_usd = greatest(0, reserved_usd - OLD.expected_cost),
            spent_usd = CASE WHEN spent_month = v_month THEN spent_usd ELSE 0 END + coalesce(NEW.cost, 0),
            spent_month = v_month
        WHERE user_id = NEW.user_id;
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER image_generations_spend_insert AFTER INSERT ON image_generations
FOR EACH ROW WHEN (NEW.status NOT IN ('completed', 'failed', 'cancelled')) EXECUTE FUNCTION imagegen_track_spend();

CREATE TRIGGER image_generations_spend_update AFTER UPDATE OF status ON image_generations
FOR EACH ROW WHEN ((OLD.status IN ('completed', 'failed', 'cancelled')) IS DISTINCT FROM (NEW.status IN ('completed', 'failed', 'cancelled')))
EXECUTE FUNCTION imagegen_track_spend();
