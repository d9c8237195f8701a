-- reserved replicate creates

-- The shared create budget (0016) promises a slot to a create it cannot grant at once, when the slot is near: its tokens
-- go one below what they were (below zero: each promise is a token of the future), the generation keeps its slot here,
-- and its job sleeps until then and creates without taking again. A waiting job so comes back once, at its own time,
-- instead of every waiting job asking again each second. A slot further off than the horizon is not promised, so that a
-- job of higher priority claimed later waits behind at most a horizon of promises: the job asks again once the horizon
-- has moved on. A 429 from Replicate voids every promise (the budget is closed; the slots would fall inside the block).
-- The budget's `granted` column is no longer written by this release; generators of the release before still write it
-- while a rolling deploy replaces them, and read the tokens below zero as a wait, as this one does.
CREATE TABLE replicate_create_reservations (
    generation_id uuid PRIMARY KEY REFERENCES image_generations (id) ON DELETE CASCADE,
    slot_at timestamptz NOT NULL
);

-- Takes one create for `generation`: 0 when it may create now (its promised slot has come, or a token was free), else
-- the seconds to wait (until its slot, the end of a block, or the next try for a slot beyond `horizon` seconds). One
-- call, one round trip: the common case (a token free, no promise) is a look-up by key and one row's update.
CREATE FUNCTION imagegen_take_replicate_create(generation uuid, burst float8, refill float8, horizon float8) RETURNS float8
    LANGUAGE plpgsql
    AS $$
DECLARE
    v_slot timestamptz;
    v_budget replicate_create_budget;
    v_available float8;
    v_wait float8;
BEGIN
    DELETE FROM replicate_create_reservations WHERE generation_id = generation AND slot_at <= now() RETURNING slot_at INTO v_slot;
    IF FOUND AND v_slot > now() - horizon * interval '1 second' THEN
        RETURN 0;
    END IF;
    -- (A slot more than a horizon old is not used: creates that came late to their slots must not bunch up. The job
    -- takes anew.)
    SELECT slot_at INTO v_slot FROM replicate_create_reservations WHERE generation_id = generation;
    IF FOUND THEN
        RETURN extract(epoch FROM v_slot - now());
    END IF;
    SELECT * INTO v_budget FROM replicate_create_budget WHERE account = 'default' FOR UPDATE;
    IF NOT FOUND THEN
        RETURN 0; -- the migration seeds the row: never hold creates back on a missing one
    END IF;
    IF v_budget.blocked_until > now() THEN
        RETURN greatest(extract(epoch FROM v_budget.blocked_until - now()), 0.05);
    END IF;
    v_available := least(burst, v_budget.tokens + extract(epoch FROM now() - v_budget.refreshed_at) * refill);
    IF v_available >= 1 THEN
        v_wait := 0;
    ELSIF refill > 0 THEN
        v_wait := (1 - v_available) / refill;
    ELSE
        RETURN 60;
    END IF;
    IF v_wait > horizon THEN
        RETURN greatest(horizon, v_wait - horizon);
    END IF;
    UPDATE replicate_create_budget SET tokens = v_available - 1, refreshed_at = now() WHERE account = 'default';
    IF v_wait > 0 THEN
        -- Promises of generations that ended while they waited are kept by nobody: an hour past their slot they go.
        DELETE FROM replicate_create_reservations WHERE slot_at < now() - interval '1 hour';
        INSERT INTO replicate_create_reservations (generation_id, slot_at) VALUES (generation, now() + v_wait * interval '1 second');
    END IF;
    RETURN v_wait;
END;
$$;
