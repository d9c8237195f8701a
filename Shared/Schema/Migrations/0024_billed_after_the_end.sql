-- billed after the end

CREATE FUNCTION imagegen_track_late_cost() RETURNS trigger AS $$
DECLARE
    v_month date := imagegen_budget_month(now());
BEGIN
    UPDATE generation_slots
    SET spent_usd = CASE WHEN spent_month = v_month THEN spent_usd ELSE 0 END + coalesce(NEW.cost, 0) - coalesce(OLD.cost, 0),
        spent_month = v_month
    WHERE user_id = NEW.user_id;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER image_generations_late_cost AFTER UPDATE OF cost ON image_generations
FOR EACH ROW WHEN (OLD.status IN ('completed', 'failed', 'cancelled') AND NEW.status IN ('completed', 'failed', 'cancelled')
                   AND NEW.cost IS DISTINCT FROM OLD.cost)
EXECUTE FUNCTION imagegen_track_late_cost();
