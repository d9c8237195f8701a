-- deferred notifications in a table

-- A session that defers its notifications until after commit (`imagegen.defer_notify = on`) kept them in a setting,
-- rewritten whole (parsed and serialised as JSON) at each one: a transaction of n notifications cost O(n²), 85 s for
-- the 10,000 of one batch. They now go to a temporary table of the session's own, one row each (made at the session's
-- first deferral; unlogged like every temporary table, so publishing them still waits for no WAL flush), and are
-- published in their order.
CREATE OR REPLACE FUNCTION imagegen_notify(p_channel text, p_payload text) RETURNS void AS $$
BEGIN
    IF current_setting('imagegen.defer_notify', true) = 'on' THEN
        IF current_setting('imagegen.deferred_table', true) IS DISTINCT FROM 'on' THEN
            CREATE TEMPORARY TABLE IF NOT EXISTS imagegen_deferred_notifications (
                n bigint GENERATED ALWAYS AS IDENTITY, channel text NOT NULL, payload text NOT NULL
            );
            -- Undone with the transaction if it rolls back, as the table is.
            PERFORM set_config('imagegen.deferred_table', 'on', false);
        END IF;
        INSERT INTO pg_temp.imagegen_deferred_notifications (channel, payload) VALUES (p_channel, p_payload);
    ELSE
        PERFORM pg_notify(p_channel, p_payload);
    END IF;
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION imagegen_publish_notifications() RETURNS integer AS $$
DECLARE
    v_count integer := 0;
    v_pending record;
BEGIN
    -- What a session deferred in the setting before this migration.
    IF coalesce(current_setting('imagegen.deferred_notifications', true), '') NOT IN ('', '[]') THEN
        PERFORM pg_notify(n->>0, n->>1) FROM jsonb_array_elements(current_setting('imagegen.deferred_notifications')::jsonb) AS n;
        PERFORM set_config('imagegen.deferred_notifications', '', false);
    END IF;
    IF current_setting('imagegen.deferred_table', true) = 'on' THEN
        FOR v_pending IN
            WITH taken AS (DELETE FROM pg_temp.imagegen_deferred_notifications RETURNING n, channel, payload)
            SELECT channel, payload FROM taken ORDER BY n
        LOOP
            PERFORM pg_notify(v_pending.channel, v_pending.payload);
            v_count := v_count + 1;
        END LOOP;
    END IF;
    RETURN v_count;
END;
$$ LANGUAGE plpgsql;
