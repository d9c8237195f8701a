-- budget month in UTC

CREATE FUNCTION imagegen_budget_month(p_at timestamptz) RETURNS date
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN date_trunc('month', p_at AT TIME ZONE 'UTC')::date;

ALTER TABLE generation_slots ALTER COLUMN spent_month SET DEFAULT imagegen_budget_month(now());

CREATE OR REPLACE FUNCTION imagegen_track_spend() RETURNS trigger AS $$
DECLARE
    v_month date := imagegen_budget_month(now());
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
