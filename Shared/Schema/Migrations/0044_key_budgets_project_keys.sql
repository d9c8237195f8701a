-- key budgets, project keys and project rates

-- An API key may have a monthly budget of its own: the spend this month of the generations made with it, plus what its
-- running ones reserve, may not pass it (besides its user's and its project's budgets). A key with a budget has a row
-- here from its creation, kept by the same triggers as `generation_slots` and `project_slots`, and locked by the create
-- statement after theirs.
ALTER TABLE api_keys ADD COLUMN monthly_budget_usd numeric(14, 6) CHECK (monthly_budget_usd >= 0);
CREATE TABLE api_key_slots (
    api_key_id uuid PRIMARY KEY REFERENCES api_keys (id) ON DELETE CASCADE,
    reserved_usd numeric(14, 6) NOT NULL DEFAULT 0,
    spent_usd numeric(14, 6) NOT NULL DEFAULT 0,
    spent_month date NOT NULL DEFAULT imagegen_budget_month(now())
);

-- A project's own rate: creates a minute by all its members and keys together (the gateways' shared token buckets).
ALTER TABLE projects ADD COLUMN rate_per_minute integer CHECK (rate_per_minute BETWEEN 1 AND 1000000);

-- A project's keys act as the project's own user, whose id is the project's: a member of it from its creation, so what
-- they make counts in the project, under the project's limits instead of a user's (the create statement knows it by
-- that id). Projects made before this migration become members of themselves here.
INSERT INTO project_members (user_id, project_id) SELECT id, id FROM projects ON CONFLICT (user_id) DO NOTHING;

CREATE OR REPLACE FUNCTION imagegen_track_late_cost() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
DECLARE
    v_month date := imagegen_budget_month(now());
    v_released numeric := CASE WHEN OLD.cost_pending_since IS NOT NULL AND NEW.cost_pending_since IS NULL THEN NEW.expected_cost ELSE 0 END;
BEGIN
    UPDATE generation_slots
    SET spent_usd = CASE WHEN spent_month = v_month THEN spent_usd ELSE 0 END + coalesce(NEW.cost, 0) - coalesce(OLD.cost, 0),
        spent_month = v_month,
        reserved_usd = greatest(0, reserved_usd - v_released)
    WHERE user_id = NEW.user_id;
    IF NEW.project_id IS NOT NULL THEN
        UPDATE project_slots
        SET spent_usd = CASE WHEN spent_month = v_month THEN spent_usd ELSE 0 END + coalesce(NEW.cost, 0) - coalesce(OLD.cost, 0),
            spent_month = v_month,
            reserved_usd = greatest(0, reserved_usd - v_released)
        WHERE project_id = NEW.project_id;
    END IF;
    IF NEW.api_key_id IS NOT NULL THEN
        UPDATE api_key_slots
        SET spent_usd = CASE WHEN spent_month = v_month THEN spent_usd ELSE 0 END + coalesce(NEW.cost, 0) - coalesce(OLD.cost, 0),
            spent_month = v_month,
            reserved_usd = greatest(0, reserved_usd - v_released)
        WHERE api_key_id = NEW.api_key_id;
    END IF;
    RETURN NULL;
END;
$$;

CREATE OR REPLACE FUNCTION imagegen_track_spend() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
DECLARE
    v_month date := imagegen_budget_month(now());
    v_released numeric;
BEGIN
    IF TG_OP = 'INSERT' OR NOT NEW.status IN ('completed', 'failed', 'cancelled') THEN
        -- Revived while its cost was pending: the reservation it kept is the running one again.
        IF TG_OP = 'UPDATE' AND OLD.cost_pending_since IS NOT NULL THEN
            RETURN NULL;
        END IF;
        -- Started or revived: it reserves its expected cost.
        INSERT INTO generation_slots AS s (user_id, reserved_usd) VALUES (NEW.user_id, NEW.expected_cost)
        ON CONFLICT (user_id) DO UPDATE SET reserved_usd = s.reserved_usd + NEW.expected_cost;
        IF NEW.project_id IS NOT NULL THEN
            INSERT INTO project_slots AS p (project_id, reserved_usd) VALUES (NEW.project_id, NEW.expected_cost)
            ON CONFLICT (project_id) DO UPDATE SET reserved_usd = p.reserved_usd + NEW.expected_cost;
        END IF;
        IF NEW.api_key_id IS NOT NULL THEN
            UPDATE api_key_slots SET reserved_usd = reserved_usd + NEW.expected_cost WHERE api_key_id = NEW.api_key_id;
        END IF;
    ELSE
        -- Finished: what it cost counts in this month, and the reservation ends unless its cost is still pending.
        v_released := CASE WHEN NEW.cost_pending_since IS NULL THEN OLD.expected_cost ELSE 0 END;
        UPDATE generation_slots
        SET reserved_usd = greatest(0, reserved_usd - v_released),
            spent_usd = CASE WHEN spent_month = v_month THEN spent_usd ELSE 0 END + coalesce(NEW.cost, 0),
            spent_month = v_month
        WHERE user_id = NEW.user_id;
        IF NEW.project_id IS NOT NULL THEN
            UPDATE project_slots
            SET reserved_usd = greatest(0, reserved_usd - v_released),
                spent_usd = CASE WHEN spent_month = v_month THEN spent_usd ELSE 0 END + coalesce(NEW.cost, 0),
                spent_month = v_month
            WHERE project_id = NEW.project_id;
        END IF;
        IF NEW.api_key_id IS NOT NULL THEN
            UPDATE api_key_slots
            SET reserved_usd = greatest(0, reserved_usd - v_released),
                spent_usd = CASE WHEN spent_month = v_month THEN spent_usd ELSE 0 END + coalesce(NEW.cost, 0),
                spent_month = v_month
            WHERE api_key_id = NEW.api_key_id;
        END IF;
    END IF;
    RETURN NULL;
END;
$$;

CREATE OR REPLACE FUNCTION imagegen_track_spend_inserted() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    INSERT INTO generation_slots AS s (user_id, reserved_usd)
    SELECT user_id, sum(expected_cost) FROM inserted WHERE status NOT IN ('completed', 'failed', 'cancelled') GROUP BY user_id
    ON CONFLICT (user_id) DO UPDATE SET reserved_usd = s.reserved_usd + EXCLUDED.reserved_usd;
    INSERT INTO project_slots AS p (project_id, reserved_usd)
    SELECT project_id, sum(expected_cost) FROM inserted
    WHERE project_id IS NOT NULL AND status NOT IN ('completed', 'failed', 'cancelled') GROUP BY project_id
    ON CONFLICT (project_id) DO UPDATE SET reserved_usd = p.reserved_usd + EXCLUDED.reserved_usd;
    UPDATE api_key_slots AS k SET reserved_usd = k.reserved_usd + i.usd
    FROM (
        SELECT api_key_id, sum(expected_cost) AS usd FROM inserted
        WHERE api_key_id IS NOT NULL AND status NOT IN ('completed', 'failed', 'cancelled') GROUP BY api_key_id
    ) i
    WHERE k.api_key_id = i.api_key_id;
    RETURN NULL;
END;
$$;
