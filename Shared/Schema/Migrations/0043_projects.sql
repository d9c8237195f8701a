-- projects

-- A project groups users (an app's users, its backends' keys' users) under one monthly budget and one cap on running
-- generations, which bound them together besides each user's own. A user belongs to at most one project. Managed through
-- the dispatcher's admin API (`/v1/admin/projects`).
CREATE TABLE projects (
    id uuid PRIMARY KEY,
    name text NOT NULL UNIQUE CHECK (length(name) BETWEEN 1 AND 100),
    monthly_budget_usd numeric(14, 6) CHECK (monthly_budget_usd >= 0),
    max_running integer CHECK (max_running >= 1),
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE project_members (
    user_id uuid PRIMARY KEY,
    project_id uuid NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    added_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX project_members_by_project ON project_members (project_id);

-- A project's running generations, reservations and this month's spend, kept by the same triggers as each user's
-- (`generation_slots`) from each generation's `project_id` (its user's project when it was created). The create
-- statement locks this row as it locks the user's, so concurrent creates of a project's users cannot pass its limits.
CREATE TABLE project_slots (
    project_id uuid PRIMARY KEY,
    running integer NOT NULL DEFAULT 0 CHECK (running >= 0),
    reserved_usd numeric(14, 6) NOT NULL DEFAULT 0,
    spent_usd numeric(14, 6) NOT NULL DEFAULT 0,
    spent_month date NOT NULL DEFAULT imagegen_budget_month(now())
);

ALTER TABLE image_generations ADD COLUMN project_id uuid;
CREATE INDEX image_generations_by_project ON image_generations (project_id, created_at) WHERE project_id IS NOT NULL;

CREATE OR REPLACE FUNCTION imagegen_count_running_generations() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        UPDATE generation_slots SET running = running - 1 WHERE user_id = OLD.user_id;
        IF OLD.project_id IS NOT NULL THEN
            UPDATE project_slots SET running = greatest(0, running - 1) WHERE project_id = OLD.project_id;
        END IF;
    ELSIF NEW.status IN ('completed', 'failed', 'cancelled') THEN
        UPDATE generation_slots SET running = running - 1 WHERE user_id = NEW.user_id;
        IF NEW.project_id IS NOT NULL THEN
            UPDATE project_slots SET running = greatest(0, running - 1) WHERE project_id = NEW.project_id;
        END IF;
    ELSE
        INSERT INTO generation_slots AS s (user_id, running) VALUES (NEW.user_id, 1)
        ON CONFLICT (user_id) DO UPDATE SET running = s.running + 1;
        IF NEW.project_id IS NOT NULL THEN
            INSERT INTO project_slots AS p (project_id, running) VALUES (NEW.project_id, 1)
            ON CONFLICT (project_id) DO UPDATE SET running = p.running + 1;
        END IF;
    END IF;
    RETURN NULL;
END;
$$;

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
    RETURN NULL;
END;
$$;
