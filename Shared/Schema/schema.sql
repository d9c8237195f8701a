--
-- PostgreSQL database dump
--



SET statement_timeout = 0;
SET lock_timeout = 0;
SET idle_in_transaction_session_timeout = 0;
SET client_encoding = 'UTF8';
SET standard_conforming_strings = on;
SELECT pg_catalog.set_config('search_path', '', false);
SET check_function_bodies = false;
SET xmloption = content;
SET client_min_messages = warning;
SET row_security = off;

--
-- Name: claim_next_job(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.claim_next_job() RETURNS TABLE(id uuid, job_type text, payload jsonb, attempt_number integer, max_attempts integer)
    LANGUAGE plpgsql
    AS $$
BEGIN
    RETURN QUERY
    UPDATE job_queue AS q
    SET status = 'processing',
        attempt_number = q.attempt_number + 1,
        locked_by = 'sql:claim_next_job',
        locked_until = now() + interval '15 minutes',
        started_at = now()
    WHERE q.id = (
        SELECT c.id FROM job_queue AS c
        WHERE c.status = 'pending' AND c.run_at <= now()
        ORDER BY c.priority DESC, c.created_at ASC
        FOR UPDATE SKIP LOCKED
        LIMIT 1
    )
    RETURNING q.id, q.job_type, q.payload, q.attempt_number, q.max_attempts;
END;
$$;


--
-- Name: complete_job(uuid, jsonb, text); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.complete_job(p_job_id uuid, p_result jsonb DEFAULT NULL::jsonb, p_error text DEFAULT NULL::text) RETURNS void
    LANGUAGE plpgsql
    AS $$
DECLARE
    v_job job_queue%ROWTYPE;
BEGIN
    SELECT * INTO v_job FROM job_queue WHERE job_queue.id = p_job_id FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'Job not found: %', p_job_id;
    END IF;
    IF v_job.status <> 'processing' THEN
        RETURN;
    END IF;
    IF p_error IS NOT NULL THEN
        UPDATE job_queue
        SET status = CASE WHEN v_job.attempt_number < v_job.max_attempts THEN 'pending' ELSE 'failed' END,
            error_message = p_error,
            errors = errors || jsonb_build_object('attempt', v_job.attempt_number, 'error', p_error, 'at', now()),
            run_at = now() + make_interval(secs => power(2, v_job.attempt_number)),
            locked_by = NULL,
            locked_until = NULL,
            completed_at = CASE WHEN v_job.attempt_number < v_job.max_attempts THEN NULL ELSE now() END
        WHERE job_queue.id = p_job_id;
    ELSE
        UPDATE job_queue
        SET status = 'completed', result = p_result, completed_at = now(), locked_by = NULL, locked_until = NULL
        WHERE job_queue.id = p_job_id;
    END IF;
END;
$$;


--
-- Name: enqueue_job(text, jsonb, integer, integer); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.enqueue_job(p_job_type text, p_payload jsonb, p_priority integer DEFAULT 0, p_max_attempts integer DEFAULT 3) RETURNS uuid
    LANGUAGE plpgsql
    AS $$
DECLARE
    v_job_id UUID;
BEGIN
    INSERT INTO job_queue (job_type, payload, priority, max_attempts)
    VALUES (p_job_type, p_payload, p_priority, p_max_attempts)
    RETURNING id INTO v_job_id;
    RETURN v_job_id;
END;
$$;


--
-- Name: imagegen_budget_month(timestamp with time zone); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.imagegen_budget_month(p_at timestamp with time zone) RETURNS date
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN (date_trunc('month'::text, (p_at AT TIME ZONE 'UTC'::text)))::date;


--
-- Name: imagegen_clear_cost_pending(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.imagegen_clear_cost_pending() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    NEW.cost_pending_since := NULL;
    RETURN NEW;
END;
$$;


--
-- Name: imagegen_count_batch_items(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.imagegen_count_batch_items() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
DECLARE
    v_batch batches%ROWTYPE;
BEGIN
    UPDATE batches
    SET unfinished = unfinished + CASE WHEN NEW.status IN ('completed', 'failed', 'cancelled') THEN -1 ELSE 1 END,
        completed_at = CASE WHEN unfinished = 1 AND NEW.status IN ('completed', 'failed', 'cancelled') THEN now() END
    WHERE id = NEW.batch_id
    RETURNING * INTO v_batch;
    IF v_batch.unfinished = 0 AND v_batch.webhook IS NOT NULL AND v_batch.deleted_at IS NULL THEN
        PERFORM job_queue_enqueue(
            'deliver-webhook',
            jsonb_build_object('batch_id', v_batch.id, 'user_id', v_batch.user_id, 'event', 'batch.completed',
                               'receiver', substring(v_batch.webhook from '^[A-Za-z][A-Za-z0-9+.-]*://[^/?#]+')),
            'webhook:batch:' || v_batch.id,
            22,
            job_queue_live_for_receiver('deliver-webhook', substring(v_batch.webhook from '^[A-Za-z][A-Za-z0-9+.-]*://[^/?#]+'), 64)
        );
    END IF;
    RETURN NULL;
END;
$$;


--
-- Name: imagegen_count_running_generations(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.imagegen_count_running_generations() RETURNS trigger
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


--
-- Name: imagegen_enqueue_webhook(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.imagegen_enqueue_webhook() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
DECLARE
    v_event text;
    v_receiver text := substring(NEW.webhook from '^[A-Za-z][A-Za-z0-9+.-]*://[^/?#]+');
BEGIN
    IF NEW.webhook_disabled_at IS NOT NULL THEN
        RETURN NULL;
    ELSIF NEW.status IN ('completed', 'failed', 'cancelled') THEN
        IF TG_OP = 'UPDATE' AND OLD.status = NEW.status THEN RETURN NULL; END IF;
        v_event := 'completed';
    ELSIF NEW.status = 'processing' AND (TG_OP = 'INSERT' OR OLD.status <> 'processing') THEN
        v_event := 'start';
    ELSIF NEW.status = 'processing' AND TG_OP = 'UPDATE' AND NEW.progress <> OLD.progress THEN
        v_event := 'progress';
    ELSE
        RETURN NULL;
    END IF;
    IF NOT v_event = ANY (NEW.webhook_events_filter) THEN RETURN NULL; END IF;
    -- Ranked by the deliveries its receiver already has waiting (fair claims): a slow or dead receiver's backlog is
    -- claimed after everyone else's first delivery. Counted up to 64 only, so a burst to one receiver stays linear.
    PERFORM job_queue_enqueue(
        'deliver-webhook',
        jsonb_build_object('generation_id', NEW.id, 'user_id', NEW.user_id, 'event', v_event, 'receiver', v_receiver),
        'webhook:' || NEW.id || ':' || v_event || CASE WHEN v_event = 'progress' THEN ':' || NEW.progress ELSE '' END,
        22,
        job_queue_live_for_receiver('deliver-webhook', v_receiver, 64)
    );
    RETURN NULL;
END;
$$;


--
-- Name: imagegen_guard_generation_transition(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.imagegen_guard_generation_transition() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    IF NEW.status IS DISTINCT FROM OLD.status
       AND (OLD.status, NEW.status) NOT IN (('pending', 'processing'), ('queued', 'processing'), ('processing', 'downloading'), ('downloading', 'completed'), ('pending', 'failed'), ('queued', 'failed'), ('processing', 'failed'), ('downloading', 'failed'), ('pending', 'cancelled'), ('queued', 'cancelled'), ('processing', 'cancelled'), ('downloading', 'cancelled'), ('failed', 'queued'), ('failed', 'downloading')) THEN
        RAISE EXCEPTION 'generation % cannot go from % to %', OLD.id, OLD.status, NEW.status
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END;
$$;


--
-- Name: imagegen_left_bytes(text, integer); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.imagegen_left_bytes(p_text text, p_bytes integer) RETURNS text
    LANGUAGE plpgsql IMMUTABLE
    AS $$
DECLARE
    v_text text := left(p_text, p_bytes);
BEGIN
    WHILE octet_length(v_text) > p_bytes LOOP
        v_text := left(v_text, length(v_text) - GREATEST(1, (octet_length(v_text) - p_bytes) / 4));
    END LOOP;
    RETURN v_text;
END;
$$;


--
-- Name: imagegen_merge_model_timings(text, bigint, double precision, double precision, bigint, double precision); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.imagegen_merge_model_timings(p_model text, p_run_n bigint, p_run_log_mean double precision, p_run_log_var double precision, p_wait_n bigint, p_wait_mean double precision) RETURNS void
    LANGUAGE plpgsql
    AS $$
DECLARE
    v_run_w double precision := 1 - power(0.95, greatest(p_run_n, 0));
    v_wait_w double precision := 1 - power(0.95, greatest(p_wait_n, 0));
BEGIN
    INSERT INTO model_timings AS t (model_id, run_samples, run_log_mean, run_log_var, wait_samples, wait_seconds)
    VALUES (p_model, p_run_n, CASE WHEN p_run_n > 0 THEN p_run_log_mean END, CASE WHEN p_run_n > 0 THEN p_run_log_var END,
            p_wait_n, CASE WHEN p_wait_n > 0 THEN p_wait_mean END)
    ON CONFLICT (model_id) DO UPDATE SET
        run_samples = t.run_samples + p_run_n,
        run_log_mean = CASE WHEN p_run_n = 0 THEN t.run_log_mean WHEN t.run_log_mean IS NULL THEN p_run_log_mean
                            ELSE t.run_log_mean + v_run_w * (p_run_log_mean - t.run_log_mean) END,
        run_log_var = CASE WHEN p_run_n = 0 THEN t.run_log_var WHEN t.run_log_var IS NULL THEN p_run_log_var
                           ELSE (1 - v_run_w) * (t.run_log_var + v_run_w * power(p_run_log_mean - t.run_log_mean, 2)) + v_run_w * p_run_log_var END,
        wait_samples = t.wait_samples + p_wait_n,
        wait_seconds = CASE WHEN p_wait_n = 0 THEN t.wait_seconds WHEN t.wait_seconds IS NULL THEN p_wait_mean
                            ELSE t.wait_seconds + v_wait_w * (p_wait_mean - t.wait_seconds) END,
        updated_at = now();
END;
$$;


--
-- Name: imagegen_notify(text, text); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.imagegen_notify(p_channel text, p_payload text) RETURNS void
    LANGUAGE plpgsql
    AS $$
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
$$;


--
-- Name: imagegen_notify_job(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.imagegen_notify_job() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    PERFORM imagegen_notify('imagegen_jobs', NEW.job_type);
    RETURN NULL;
END;
$$;


--
-- Name: imagegen_notify_resumed(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.imagegen_notify_resumed() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    IF OLD.kind = 'job_type' THEN
        PERFORM imagegen_notify('imagegen_jobs', OLD.name);
    END IF;
    RETURN NULL;
END;
$$;


--
-- Name: imagegen_on_job_dead(text, jsonb, text); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.imagegen_on_job_dead(p_job_type text, p_payload jsonb, p_error text) RETURNS void
    LANGUAGE plpgsql
    AS $$
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
$$;


--
-- Name: imagegen_on_job_revived(text, jsonb); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.imagegen_on_job_revived(p_job_type text, p_payload jsonb) RETURNS void
    LANGUAGE plpgsql
    AS $$
BEGIN
    IF p_job_type = 'generate-image' THEN
        UPDATE image_generations
        SET status = 'queued', error_code = NULL, error_message = NULL, completed_at = NULL
        WHERE id = (p_payload->>'generation_id')::uuid AND status IN ('failed') AND deleted_at IS NULL;
    ELSIF p_job_type = 'download-image' THEN
        UPDATE image_generations
        SET status = 'downloading', error_code = NULL, error_message = NULL, completed_at = NULL
        WHERE id = (p_payload->>'generation_id')::uuid AND status IN ('failed') AND deleted_at IS NULL;
    END IF;
END;
$$;


--
-- Name: imagegen_publish_notifications(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.imagegen_publish_notifications() RETURNS integer
    LANGUAGE plpgsql
    AS $$
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
$$;


--
-- Name: imagegen_record_created_generations(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.imagegen_record_created_generations() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    INSERT INTO generation_events (generation_id, status, progress, error_message, event)
    SELECT id, status, progress,
           CASE WHEN octet_length(error_message) > 2000 THEN imagegen_left_bytes(error_message, 2000) ELSE error_message END, 'created'
    FROM inserted ORDER BY batch_index;
    RETURN NULL;
END;
$$;


--
-- Name: imagegen_record_generation_event(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.imagegen_record_generation_event() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
DECLARE
    v_event generation_events%ROWTYPE;
BEGIN
    IF TG_OP = 'INSERT' OR NEW.status IS DISTINCT FROM OLD.status OR NEW.progress IS DISTINCT FROM OLD.progress THEN
        INSERT INTO generation_events (generation_id, status, progress, error_message, event)
        VALUES (NEW.id, NEW.status, NEW.progress,
                CASE WHEN octet_length(NEW.error_message) > 2000 THEN imagegen_left_bytes(NEW.error_message, 2000) ELSE NEW.error_message END,
                CASE WHEN TG_OP = 'INSERT' THEN 'created'
                     WHEN NEW.status IS NOT DISTINCT FROM OLD.status THEN 'progress'
                     ELSE CASE WHEN OLD.status = 'pending' AND NEW.status = 'processing' THEN 'started' WHEN OLD.status = 'queued' AND NEW.status = 'processing' THEN 'started' WHEN OLD.status = 'processing' AND NEW.status = 'downloading' THEN 'generated' WHEN OLD.status = 'downloading' AND NEW.status = 'completed' THEN 'completed' WHEN OLD.status = 'pending' AND NEW.status = 'failed' THEN 'failed' WHEN OLD.status = 'queued' AND NEW.status = 'failed' THEN 'failed' WHEN OLD.status = 'processing' AND NEW.status = 'failed' THEN 'failed' WHEN OLD.status = 'downloading' AND NEW.status = 'failed' THEN 'failed' WHEN OLD.status = 'pending' AND NEW.status = 'cancelled' THEN 'cancelled' WHEN OLD.status = 'queued' AND NEW.status = 'cancelled' THEN 'cancelled' WHEN OLD.status = 'processing' AND NEW.status = 'cancelled' THEN 'cancelled' WHEN OLD.status = 'downloading' AND NEW.status = 'cancelled' THEN 'cancelled' WHEN OLD.status = 'failed' AND NEW.status = 'queued' THEN 'revived' WHEN OLD.status = 'failed' AND NEW.status = 'downloading' THEN 'revived' END END)
        RETURNING * INTO v_event;
        IF TG_OP = 'UPDATE' THEN
            PERFORM imagegen_notify('imagegen_generation_events', json_build_object(
                'id', v_event.id, 'generation_id', v_event.generation_id, 'status', v_event.status, 'progress', v_event.progress,
                'error_message', v_event.error_message, 'event', v_event.event,
                'created_at', to_char(v_event.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')
            )::text);
        END IF;
    END IF;
    RETURN NULL;
END;
$$;


--
-- Name: imagegen_take_replicate_create(uuid, double precision, double precision, double precision); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.imagegen_take_replicate_create(generation uuid, burst double precision, refill double precision, horizon double precision) RETURNS double precision
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


--
-- Name: imagegen_take_tokens(text[], double precision[]); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.imagegen_take_tokens(p_subjects text[], p_rates double precision[]) RETURNS TABLE(subject text, rate double precision, tokens double precision, taken boolean)
    LANGUAGE plpgsql
    AS $$
#variable_conflict use_column
BEGIN
    INSERT INTO rate_buckets AS b (subject, tokens, taken, updated_at)
    SELECT w.s, w.r, false, now() FROM unnest(p_subjects, p_rates) AS w(s, r) ORDER BY w.s
    ON CONFLICT ON CONSTRAINT rate_buckets_pkey DO NOTHING;
    RETURN QUERY
    WITH locked AS (
        SELECT b.subject, w.r,
               least(w.r, b.tokens + extract(epoch FROM now() - b.updated_at)::float8 * w.r / 60) AS available
        FROM rate_buckets b JOIN unnest(p_subjects, p_rates) AS w(s, r) ON w.s = b.subject
        ORDER BY b.subject
        FOR UPDATE OF b
    ), verdict AS (
        SELECT bool_and(l.available >= 1) AS ok FROM locked l
    )
    UPDATE rate_buckets AS b
    SET tokens = l.available - CASE WHEN v.ok THEN 1 ELSE 0 END, taken = v.ok, updated_at = now()
    FROM locked l, verdict v
    WHERE b.subject = l.subject
    RETURNING b.subject, l.r, b.tokens, b.taken;
END;
$$;


--
-- Name: imagegen_touch_updated_at(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.imagegen_touch_updated_at() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    NEW.updated_at = now();
    RETURN NEW;
END;
$$;


--
-- Name: imagegen_track_late_cost(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.imagegen_track_late_cost() RETURNS trigger
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


--
-- Name: imagegen_track_spend(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.imagegen_track_spend() RETURNS trigger
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


--
-- Name: imagegen_track_spend_inserted(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.imagegen_track_spend_inserted() RETURNS trigger
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


--
-- Name: job_queue_enqueue(text, jsonb, text, integer, integer); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.job_queue_enqueue(p_job_type text, p_payload jsonb, p_dedupe_key text, p_max_attempts integer, p_fair_rank integer DEFAULT 0) RETURNS void
    LANGUAGE plpgsql
    AS $$
BEGIN
    INSERT INTO job_queue (job_type, payload, dedupe_key, max_attempts, fair_rank)
    VALUES (p_job_type, p_payload, p_dedupe_key, p_max_attempts, p_fair_rank)
    ON CONFLICT (dedupe_key) WHERE dedupe_key IS NOT NULL AND status IN ('pending', 'processing') DO NOTHING;
END;
$$;


--
-- Name: job_queue_live_for_receiver(text, text, integer); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.job_queue_live_for_receiver(p_job_type text, p_receiver text, p_limit integer) RETURNS integer
    LANGUAGE plpgsql STABLE
    AS $$
DECLARE
    v_count integer;
BEGIN
    SELECT count(*) INTO v_count FROM (
        SELECT 1 FROM job_queue
        WHERE job_type = p_job_type AND status IN ('pending', 'processing') AND payload->>'receiver' = p_receiver
        LIMIT p_limit
    ) AS live;
    RETURN v_count;
END;
$$;


--
-- Name: job_queue_status_changed(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.job_queue_status_changed() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    IF NEW.status = 'failed' THEN
        PERFORM imagegen_on_job_dead(NEW.job_type, NEW.payload, NEW.error_message);
    ELSIF OLD.status = 'failed' AND NEW.status = 'pending' THEN
        PERFORM imagegen_on_job_revived(NEW.job_type, NEW.payload);
    END IF;
    RETURN NULL;
END;
$$;


SET default_tablespace = '';

SET default_table_access_method = heap;

--
-- Name: account_webhooks; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.account_webhooks (
    user_id uuid NOT NULL,
    url text NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT account_webhooks_url_check CHECK ((length(url) <= 2048))
);


--
-- Name: alias_weights; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.alias_weights (
    alias text NOT NULL,
    model_id text NOT NULL,
    weight integer NOT NULL,
    changed_by text NOT NULL,
    changed_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT alias_weights_weight_check CHECK (((weight >= 0) AND (weight <= 1000000)))
);


--
-- Name: api_key_slots; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.api_key_slots (
    api_key_id uuid NOT NULL,
    reserved_usd numeric(14,6) DEFAULT 0 NOT NULL,
    spent_usd numeric(14,6) DEFAULT 0 NOT NULL,
    spent_month date DEFAULT public.imagegen_budget_month(now()) NOT NULL
);


--
-- Name: api_keys; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.api_keys (
    id uuid NOT NULL,
    user_id uuid NOT NULL,
    name text NOT NULL,
    hint text NOT NULL,
    hash text NOT NULL,
    scopes text[] NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    expires_at timestamp with time zone,
    last_used_at timestamp with time zone,
    revoked_at timestamp with time zone,
    rate_per_minute integer,
    monthly_budget_usd numeric(14,6),
    CONSTRAINT api_keys_monthly_budget_usd_check CHECK ((monthly_budget_usd >= (0)::numeric)),
    CONSTRAINT api_keys_name_check CHECK (((length(name) >= 1) AND (length(name) <= 100))),
    CONSTRAINT api_keys_rate_per_minute_check CHECK (((rate_per_minute >= 1) AND (rate_per_minute <= 1000000))),
    CONSTRAINT api_keys_scopes_check CHECK (((cardinality(scopes) > 0) AND (scopes <@ ARRAY['generate'::text, 'read'::text, 'delete'::text, 'admin'::text])))
);


--
-- Name: batches; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.batches (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    user_id uuid NOT NULL,
    item_count integer NOT NULL,
    expected_cost numeric DEFAULT 0 NOT NULL,
    idempotency_key text,
    request_hash text NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    cancelled_at timestamp with time zone,
    deleted_at timestamp with time zone,
    webhook text,
    unfinished integer DEFAULT 0 NOT NULL,
    completed_at timestamp with time zone,
    CONSTRAINT batches_item_count_check CHECK (((item_count >= 1) AND (item_count <= 10000))),
    CONSTRAINT batches_unfinished_check CHECK ((unfinished >= 0))
);


--
-- Name: budget_alerts; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.budget_alerts (
    user_id uuid NOT NULL,
    month date NOT NULL,
    threshold smallint NOT NULL,
    budget_usd numeric(14,6) NOT NULL,
    spent_usd numeric(14,6) NOT NULL,
    crossed_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT budget_alerts_threshold_check CHECK ((threshold = ANY (ARRAY[50, 80, 100])))
);


--
-- Name: dispatch_pauses; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.dispatch_pauses (
    kind text NOT NULL,
    name text NOT NULL,
    reason text,
    paused_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT dispatch_pauses_kind_check CHECK ((kind = ANY (ARRAY['job_type'::text, 'model'::text])))
);


--
-- Name: generation_events; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.generation_events (
    id bigint NOT NULL,
    generation_id uuid NOT NULL,
    status text NOT NULL,
    progress integer NOT NULL,
    error_message text,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    event text
);


--
-- Name: generation_events_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.generation_events_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: generation_events_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.generation_events_id_seq OWNED BY public.generation_events.id;


--
-- Name: generation_slots; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.generation_slots (
    user_id uuid NOT NULL,
    running integer DEFAULT 0 NOT NULL,
    reserved_usd numeric(14,6) DEFAULT 0 NOT NULL,
    spent_usd numeric(14,6) DEFAULT 0 NOT NULL,
    spent_month date DEFAULT public.imagegen_budget_month(now()) NOT NULL,
    monthly_budget_usd numeric(14,6),
    CONSTRAINT generation_slots_monthly_budget_usd_check CHECK ((monthly_budget_usd >= (0)::numeric)),
    CONSTRAINT generation_slots_running_check CHECK ((running >= 0))
);


--
-- Name: image_generations; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.image_generations (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    user_id uuid NOT NULL,
    prompt text NOT NULL,
    negative_prompt text,
    model text NOT NULL,
    model_id text NOT NULL,
    model_version text,
    style text,
    width integer NOT NULL,
    height integer NOT NULL,
    steps integer NOT NULL,
    guidance_scale numeric NOT NULL,
    seed bigint,
    source_image_url text,
    strength numeric,
    num_outputs integer DEFAULT 1 NOT NULL,
    priority integer DEFAULT 0 NOT NULL,
    status text DEFAULT 'pending'::text NOT NULL,
    progress integer DEFAULT 0 NOT NULL,
    error_message text,
    generation_time_seconds integer,
    replicate_prediction_id text,
    output_urls jsonb,
    predict_time double precision,
    cost numeric,
    idempotency_key text,
    request_hash text,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    completed_at timestamp with time zone,
    error_code text,
    job_id uuid,
    job_attempt integer,
    create_started_at timestamp with time zone,
    webhook text,
    webhook_events_filter text[],
    webhook_disabled_at timestamp with time zone,
    expected_cost numeric(12,6) DEFAULT 0 NOT NULL,
    model_alias text,
    deleted_at timestamp with time zone,
    deleted_images integer DEFAULT 0 NOT NULL,
    trace_context text,
    cost_pending_since timestamp with time zone,
    deadline_at timestamp with time zone,
    batch_id uuid,
    batch_index integer,
    mask_image_url text,
    safety_level text,
    output_format text,
    api_key_id uuid,
    price_usd numeric(14,8),
    project_id uuid,
    disowned_predictions text[] DEFAULT '{}'::text[] NOT NULL,
    CONSTRAINT image_generations_num_outputs_check CHECK (((num_outputs >= 1) AND (num_outputs <= 4))),
    CONSTRAINT image_generations_output_format_check CHECK ((output_format = ANY (ARRAY['png'::text, 'jpg'::text, 'webp'::text]))),
    CONSTRAINT image_generations_progress_check CHECK (((progress >= 0) AND (progress <= 100))),
    CONSTRAINT image_generations_safety_level_check CHECK ((safety_level = ANY (ARRAY['strict'::text, 'standard'::text, 'relaxed'::text]))),
    CONSTRAINT image_generations_status_check CHECK ((status = ANY (ARRAY['pending'::text, 'queued'::text, 'processing'::text, 'downloading'::text, 'completed'::text, 'failed'::text, 'cancelled'::text])))
);


--
-- Name: images; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.images (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    generation_id uuid,
    user_id uuid NOT NULL,
    output_index integer DEFAULT 0 NOT NULL,
    filename text NOT NULL,
    storage_path text NOT NULL,
    public_url text NOT NULL,
    file_size integer NOT NULL,
    width integer NOT NULL,
    height integer NOT NULL,
    format text NOT NULL,
    content_type text NOT NULL,
    sha256 text NOT NULL,
    source_url text,
    prompt text,
    negative_prompt text,
    model text,
    created_at timestamp with time zone DEFAULT now() NOT NULL
);


--
-- Name: input_file_uploads; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.input_file_uploads (
    id uuid NOT NULL,
    user_id uuid NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL
);


--
-- Name: input_files; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.input_files (
    id uuid NOT NULL,
    user_id uuid NOT NULL,
    content_type text NOT NULL,
    width integer NOT NULL,
    height integer NOT NULL,
    size_bytes integer NOT NULL,
    sha256 text NOT NULL,
    token text NOT NULL,
    bytes bytea NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    expires_at timestamp with time zone NOT NULL,
    CONSTRAINT input_files_check CHECK ((expires_at > created_at)),
    CONSTRAINT input_files_check1 CHECK ((octet_length(bytes) = size_bytes)),
    CONSTRAINT input_files_content_type_check CHECK ((content_type = ANY (ARRAY['image/png'::text, 'image/jpeg'::text, 'image/webp'::text, 'image/gif'::text]))),
    CONSTRAINT input_files_height_check CHECK ((height > 0)),
    CONSTRAINT input_files_size_bytes_check CHECK ((size_bytes > 0)),
    CONSTRAINT input_files_width_check CHECK ((width > 0))
);
ALTER TABLE ONLY public.input_files ALTER COLUMN bytes SET STORAGE EXTERNAL;


--
-- Name: job_queue; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.job_queue (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    job_type text NOT NULL,
    payload jsonb NOT NULL,
    status text DEFAULT 'pending'::text NOT NULL,
    priority integer DEFAULT 0 NOT NULL,
    attempt_number integer DEFAULT 0 NOT NULL,
    max_attempts integer DEFAULT 5 NOT NULL,
    result jsonb,
    error_message text,
    errors jsonb DEFAULT '[]'::jsonb NOT NULL,
    run_at timestamp with time zone DEFAULT now() NOT NULL,
    locked_by text,
    locked_until timestamp with time zone,
    started_at timestamp with time zone,
    dedupe_key text,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    completed_at timestamp with time zone,
    fair_rank integer DEFAULT 0 NOT NULL,
    trace_context text,
    CONSTRAINT job_queue_job_type_check CHECK ((job_type <> ''::text)),
    CONSTRAINT job_queue_max_attempts_check CHECK ((max_attempts >= 1)),
    CONSTRAINT job_queue_status_check CHECK ((status = ANY (ARRAY['pending'::text, 'processing'::text, 'completed'::text, 'failed'::text, 'cancelled'::text])))
);


--
-- Name: model_state_changes; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.model_state_changes (
    id bigint NOT NULL,
    model_id text NOT NULL,
    change text NOT NULL,
    reason text,
    changed_by text NOT NULL,
    changed_at timestamp with time zone DEFAULT now() NOT NULL,
    value text,
    CONSTRAINT model_state_changes_change_check CHECK ((change = ANY (ARRAY['disabled'::text, 'enabled'::text, 'price'::text, 'version'::text, 'weights'::text])))
);


--
-- Name: model_state_changes_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.model_state_changes_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: model_state_changes_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.model_state_changes_id_seq OWNED BY public.model_state_changes.id;


--
-- Name: model_states; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.model_states (
    model_id text NOT NULL,
    disabled_reason text,
    changed_by text NOT NULL,
    changed_at timestamp with time zone DEFAULT now() NOT NULL,
    price_usd numeric(14,8),
    version text,
    CONSTRAINT model_states_disabled_reason_check CHECK (((length(disabled_reason) >= 1) AND (length(disabled_reason) <= 200))),
    CONSTRAINT model_states_price_usd_check CHECK ((price_usd >= (0)::numeric)),
    CONSTRAINT model_states_version_check CHECK ((version ~ '^[0-9a-f]{64}$'::text))
);


--
-- Name: model_timings; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.model_timings (
    model_id text NOT NULL,
    run_samples bigint DEFAULT 0 NOT NULL,
    run_log_mean double precision,
    run_log_var double precision,
    wait_samples bigint DEFAULT 0 NOT NULL,
    wait_seconds double precision,
    updated_at timestamp with time zone DEFAULT now() NOT NULL
);


--
-- Name: project_members; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.project_members (
    user_id uuid NOT NULL,
    project_id uuid NOT NULL,
    added_at timestamp with time zone DEFAULT now() NOT NULL
);


--
-- Name: project_slots; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.project_slots (
    project_id uuid NOT NULL,
    running integer DEFAULT 0 NOT NULL,
    reserved_usd numeric(14,6) DEFAULT 0 NOT NULL,
    spent_usd numeric(14,6) DEFAULT 0 NOT NULL,
    spent_month date DEFAULT public.imagegen_budget_month(now()) NOT NULL,
    CONSTRAINT project_slots_running_check CHECK ((running >= 0))
);


--
-- Name: projects; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.projects (
    id uuid NOT NULL,
    name text NOT NULL,
    monthly_budget_usd numeric(14,6),
    max_running integer,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    rate_per_minute integer,
    CONSTRAINT projects_max_running_check CHECK ((max_running >= 1)),
    CONSTRAINT projects_monthly_budget_usd_check CHECK ((monthly_budget_usd >= (0)::numeric)),
    CONSTRAINT projects_name_check CHECK (((length(name) >= 1) AND (length(name) <= 100))),
    CONSTRAINT projects_rate_per_minute_check CHECK (((rate_per_minute >= 1) AND (rate_per_minute <= 1000000)))
);


--
-- Name: queue_health; Type: VIEW; Schema: public; Owner: -
--

CREATE VIEW public.queue_health AS
 SELECT job_queue.job_type,
    job_queue.status,
    count(*) AS count,
    min(job_queue.created_at) AS oldest,
    max(job_queue.created_at) AS newest,
    avg((COALESCE(job_queue.completed_at, now()) - job_queue.created_at)) AS avg_duration,
    avg(job_queue.attempt_number) AS avg_attempts
   FROM public.job_queue
  GROUP BY job_queue.job_type, job_queue.status;


--
-- Name: rate_buckets; Type: TABLE; Schema: public; Owner: -
--

CREATE UNLOGGED TABLE public.rate_buckets (
    subject text NOT NULL,
    tokens double precision NOT NULL,
    taken boolean NOT NULL,
    updated_at timestamp with time zone NOT NULL
);


--
-- Name: replicate_breaker; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.replicate_breaker (
    account text NOT NULL,
    failures integer DEFAULT 0 NOT NULL,
    opened_at timestamp with time zone,
    probe_at timestamp with time zone
);


--
-- Name: replicate_create_budget; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.replicate_create_budget (
    account text NOT NULL,
    tokens double precision NOT NULL,
    refreshed_at timestamp with time zone DEFAULT now() NOT NULL,
    blocked_until timestamp with time zone,
    granted boolean DEFAULT false NOT NULL
);


--
-- Name: replicate_create_reservations; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.replicate_create_reservations (
    generation_id uuid NOT NULL,
    slot_at timestamp with time zone NOT NULL
);


--
-- Name: replicate_webhooks; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.replicate_webhooks (
    webhook_id text NOT NULL,
    received_at timestamp with time zone DEFAULT now() NOT NULL
);


--
-- Name: schema_migrations; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.schema_migrations (
    version integer NOT NULL,
    name text NOT NULL,
    applied_at timestamp with time zone DEFAULT now() NOT NULL
);


--
-- Name: stream_tokens; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.stream_tokens (
    token_hash text NOT NULL,
    generation_id uuid NOT NULL,
    user_id uuid NOT NULL,
    expires_at timestamp with time zone NOT NULL
);


--
-- Name: stuck_jobs; Type: VIEW; Schema: public; Owner: -
--

CREATE VIEW public.stuck_jobs AS
 SELECT job_queue.id,
    job_queue.job_type,
    job_queue.attempt_number,
    job_queue.locked_by,
    job_queue.locked_until,
    job_queue.started_at,
    (EXTRACT(epoch FROM (now() - job_queue.started_at)) / (60)::numeric) AS minutes_stuck
   FROM public.job_queue
  WHERE ((job_queue.status = 'processing'::text) AND (job_queue.locked_until < now()));


--
-- Name: webhook_deliveries; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.webhook_deliveries (
    id bigint NOT NULL,
    generation_id uuid,
    webhook_id text NOT NULL,
    event text NOT NULL,
    attempt integer NOT NULL,
    attempted_at timestamp with time zone DEFAULT now() NOT NULL,
    status_code integer,
    duration_ms integer NOT NULL,
    error text,
    next_attempt_at timestamp with time zone,
    batch_id uuid,
    account_user_id uuid,
    CONSTRAINT webhook_deliveries_subject CHECK ((num_nonnulls(generation_id, batch_id, account_user_id) = 1))
);


--
-- Name: webhook_deliveries_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.webhook_deliveries_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: webhook_deliveries_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.webhook_deliveries_id_seq OWNED BY public.webhook_deliveries.id;


--
-- Name: webhook_secrets; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.webhook_secrets (
    user_id uuid NOT NULL,
    secret text NOT NULL,
    previous_secret text,
    previous_until timestamp with time zone,
    rotated_at timestamp with time zone DEFAULT now() NOT NULL
);


--
-- Name: generation_events id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.generation_events ALTER COLUMN id SET DEFAULT nextval('public.generation_events_id_seq'::regclass);


--
-- Name: model_state_changes id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.model_state_changes ALTER COLUMN id SET DEFAULT nextval('public.model_state_changes_id_seq'::regclass);


--
-- Name: webhook_deliveries id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.webhook_deliveries ALTER COLUMN id SET DEFAULT nextval('public.webhook_deliveries_id_seq'::regclass);


--
-- Name: account_webhooks account_webhooks_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.account_webhooks
    ADD CONSTRAINT account_webhooks_pkey PRIMARY KEY (user_id);


--
-- Name: alias_weights alias_weights_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.alias_weights
    ADD CONSTRAINT alias_weights_pkey PRIMARY KEY (alias, model_id);


--
-- Name: api_key_slots api_key_slots_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.api_key_slots
    ADD CONSTRAINT api_key_slots_pkey PRIMARY KEY (api_key_id);


--
-- Name: api_keys api_keys_hash_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.api_keys
    ADD CONSTRAINT api_keys_hash_key UNIQUE (hash);


--
-- Name: api_keys api_keys_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.api_keys
    ADD CONSTRAINT api_keys_pkey PRIMARY KEY (id);


--
-- Name: batches batches_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.batches
    ADD CONSTRAINT batches_pkey PRIMARY KEY (id);


--
-- Name: budget_alerts budget_alerts_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.budget_alerts
    ADD CONSTRAINT budget_alerts_pkey PRIMARY KEY (user_id, month, threshold);


--
-- Name: dispatch_pauses dispatch_pauses_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.dispatch_pauses
    ADD CONSTRAINT dispatch_pauses_pkey PRIMARY KEY (kind, name);


--
-- Name: generation_events generation_events_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.generation_events
    ADD CONSTRAINT generation_events_pkey PRIMARY KEY (id);


--
-- Name: generation_slots generation_slots_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.generation_slots
    ADD CONSTRAINT generation_slots_pkey PRIMARY KEY (user_id);


--
-- Name: image_generations image_generations_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.image_generations
    ADD CONSTRAINT image_generations_pkey PRIMARY KEY (id);


--
-- Name: images images_generation_id_output_index_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.images
    ADD CONSTRAINT images_generation_id_output_index_key UNIQUE (generation_id, output_index);


--
-- Name: images images_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.images
    ADD CONSTRAINT images_pkey PRIMARY KEY (id);


--
-- Name: input_file_uploads input_file_uploads_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.input_file_uploads
    ADD CONSTRAINT input_file_uploads_pkey PRIMARY KEY (id);


--
-- Name: input_files input_files_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.input_files
    ADD CONSTRAINT input_files_pkey PRIMARY KEY (id);


--
-- Name: job_queue job_queue_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.job_queue
    ADD CONSTRAINT job_queue_pkey PRIMARY KEY (id);


--
-- Name: model_state_changes model_state_changes_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.model_state_changes
    ADD CONSTRAINT model_state_changes_pkey PRIMARY KEY (id);


--
-- Name: model_states model_states_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.model_states
    ADD CONSTRAINT model_states_pkey PRIMARY KEY (model_id);


--
-- Name: model_timings model_timings_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.model_timings
    ADD CONSTRAINT model_timings_pkey PRIMARY KEY (model_id);


--
-- Name: project_members project_members_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.project_members
    ADD CONSTRAINT project_members_pkey PRIMARY KEY (user_id);


--
-- Name: project_slots project_slots_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.project_slots
    ADD CONSTRAINT project_slots_pkey PRIMARY KEY (project_id);


--
-- Name: projects projects_name_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.projects
    ADD CONSTRAINT projects_name_key UNIQUE (name);


--
-- Name: projects projects_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.projects
    ADD CONSTRAINT projects_pkey PRIMARY KEY (id);


--
-- Name: rate_buckets rate_buckets_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.rate_buckets
    ADD CONSTRAINT rate_buckets_pkey PRIMARY KEY (subject);


--
-- Name: replicate_breaker replicate_breaker_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.replicate_breaker
    ADD CONSTRAINT replicate_breaker_pkey PRIMARY KEY (account);


--
-- Name: replicate_create_budget replicate_create_budget_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.replicate_create_budget
    ADD CONSTRAINT replicate_create_budget_pkey PRIMARY KEY (account);


--
-- Name: replicate_create_reservations replicate_create_reservations_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.replicate_create_reservations
    ADD CONSTRAINT replicate_create_reservations_pkey PRIMARY KEY (generation_id);


--
-- Name: replicate_webhooks replicate_webhooks_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.replicate_webhooks
    ADD CONSTRAINT replicate_webhooks_pkey PRIMARY KEY (webhook_id);


--
-- Name: schema_migrations schema_migrations_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.schema_migrations
    ADD CONSTRAINT schema_migrations_pkey PRIMARY KEY (version);


--
-- Name: stream_tokens stream_tokens_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.stream_tokens
    ADD CONSTRAINT stream_tokens_pkey PRIMARY KEY (token_hash);


--
-- Name: webhook_deliveries webhook_deliveries_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.webhook_deliveries
    ADD CONSTRAINT webhook_deliveries_pkey PRIMARY KEY (id);


--
-- Name: webhook_secrets webhook_secrets_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.webhook_secrets
    ADD CONSTRAINT webhook_secrets_pkey PRIMARY KEY (user_id);


--
-- Name: api_keys_by_user; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX api_keys_by_user ON public.api_keys USING btree (user_id, created_at DESC);


--
-- Name: batches_by_user; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX batches_by_user ON public.batches USING btree (user_id, created_at DESC, id DESC);


--
-- Name: batches_idempotency; Type: INDEX; Schema: public; Owner: -
--

CREATE UNIQUE INDEX batches_idempotency ON public.batches USING btree (user_id, idempotency_key) WHERE (idempotency_key IS NOT NULL);


--
-- Name: generation_events_created; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX generation_events_created ON public.generation_events USING btree (created_at);


--
-- Name: generation_events_generation; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX generation_events_generation ON public.generation_events USING btree (generation_id, id);


--
-- Name: image_generations_batch; Type: INDEX; Schema: public; Owner: -
--

CREATE UNIQUE INDEX image_generations_batch ON public.image_generations USING btree (batch_id, batch_index) WHERE (batch_id IS NOT NULL);


--
-- Name: image_generations_by_project; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX image_generations_by_project ON public.image_generations USING btree (project_id, created_at) WHERE (project_id IS NOT NULL);


--
-- Name: image_generations_cost_pending; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX image_generations_cost_pending ON public.image_generations USING btree (cost_pending_since) WHERE (cost_pending_since IS NOT NULL);


--
-- Name: image_generations_idempotency; Type: INDEX; Schema: public; Owner: -
--

CREATE UNIQUE INDEX image_generations_idempotency ON public.image_generations USING btree (user_id, idempotency_key) WHERE (idempotency_key IS NOT NULL);


--
-- Name: image_generations_prediction; Type: INDEX; Schema: public; Owner: -
--

CREATE UNIQUE INDEX image_generations_prediction ON public.image_generations USING btree (replicate_prediction_id) WHERE (replicate_prediction_id IS NOT NULL);


--
-- Name: image_generations_status; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX image_generations_status ON public.image_generations USING btree (status, updated_at);


--
-- Name: image_generations_user_active; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX image_generations_user_active ON public.image_generations USING btree (user_id) WHERE (status = ANY (ARRAY['pending'::text, 'queued'::text, 'processing'::text, 'downloading'::text]));


--
-- Name: image_generations_user_created; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX image_generations_user_created ON public.image_generations USING btree (user_id, created_at DESC, id DESC);


--
-- Name: image_generations_waiting_deadline; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX image_generations_waiting_deadline ON public.image_generations USING btree (deadline_at) WHERE ((deadline_at IS NOT NULL) AND (status = ANY (ARRAY['pending'::text, 'queued'::text])));


--
-- Name: images_created; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX images_created ON public.images USING btree (created_at);


--
-- Name: images_storage_path; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX images_storage_path ON public.images USING btree (storage_path);


--
-- Name: images_user; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX images_user ON public.images USING btree (user_id, created_at DESC);


--
-- Name: input_file_uploads_by_age; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX input_file_uploads_by_age ON public.input_file_uploads USING btree (created_at);


--
-- Name: input_files_by_expiry; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX input_files_by_expiry ON public.input_files USING btree (expires_at);


--
-- Name: input_files_by_user; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX input_files_by_user ON public.input_files USING btree (user_id, created_at DESC);


--
-- Name: job_queue_available; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX job_queue_available ON public.job_queue USING btree (job_type, priority DESC, fair_rank, run_at, id) WHERE (status = 'pending'::text);


--
-- Name: job_queue_dead; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX job_queue_dead ON public.job_queue USING btree (completed_at DESC NULLS LAST, job_type) WHERE (status = 'failed'::text);


--
-- Name: job_queue_dedupe; Type: INDEX; Schema: public; Owner: -
--

CREATE UNIQUE INDEX job_queue_dedupe ON public.job_queue USING btree (dedupe_key) WHERE ((dedupe_key IS NOT NULL) AND (status = ANY (ARRAY['pending'::text, 'processing'::text])));


--
-- Name: job_queue_dedupe_key; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX job_queue_dedupe_key ON public.job_queue USING btree (dedupe_key);


--
-- Name: job_queue_finished; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX job_queue_finished ON public.job_queue USING btree (completed_at) WHERE (status = ANY (ARRAY['completed'::text, 'cancelled'::text]));


--
-- Name: job_queue_leases; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX job_queue_leases ON public.job_queue USING btree (locked_until) WHERE (status = 'processing'::text);


--
-- Name: job_queue_webhook_receiver; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX job_queue_webhook_receiver ON public.job_queue USING btree (((payload ->> 'receiver'::text))) WHERE ((job_type = 'deliver-webhook'::text) AND (status = ANY (ARRAY['pending'::text, 'processing'::text])));


--
-- Name: model_state_changes_by_model; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX model_state_changes_by_model ON public.model_state_changes USING btree (model_id, changed_at DESC);


--
-- Name: project_members_by_project; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX project_members_by_project ON public.project_members USING btree (project_id);


--
-- Name: rate_buckets_by_age; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX rate_buckets_by_age ON public.rate_buckets USING btree (updated_at);


--
-- Name: stream_tokens_expiry; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX stream_tokens_expiry ON public.stream_tokens USING btree (expires_at);


--
-- Name: webhook_deliveries_account; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX webhook_deliveries_account ON public.webhook_deliveries USING btree (account_user_id, id) WHERE (account_user_id IS NOT NULL);


--
-- Name: webhook_deliveries_batch; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX webhook_deliveries_batch ON public.webhook_deliveries USING btree (batch_id, id) WHERE (batch_id IS NOT NULL);


--
-- Name: webhook_deliveries_generation; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX webhook_deliveries_generation ON public.webhook_deliveries USING btree (generation_id, id);


--
-- Name: dispatch_pauses dispatch_pauses_resumed; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER dispatch_pauses_resumed AFTER DELETE ON public.dispatch_pauses FOR EACH ROW EXECUTE FUNCTION public.imagegen_notify_resumed();


--
-- Name: image_generations image_generations_batch_items; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER image_generations_batch_items AFTER UPDATE OF status ON public.image_generations FOR EACH ROW WHEN (((new.batch_id IS NOT NULL) AND ((old.status = ANY (ARRAY['completed'::text, 'failed'::text, 'cancelled'::text])) IS DISTINCT FROM (new.status = ANY (ARRAY['completed'::text, 'failed'::text, 'cancelled'::text]))))) EXECUTE FUNCTION public.imagegen_count_batch_items();


--
-- Name: image_generations image_generations_created_events; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER image_generations_created_events AFTER INSERT ON public.image_generations REFERENCING NEW TABLE AS inserted FOR EACH STATEMENT EXECUTE FUNCTION public.imagegen_record_created_generations();


--
-- Name: image_generations image_generations_events; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER image_generations_events AFTER UPDATE ON public.image_generations FOR EACH ROW EXECUTE FUNCTION public.imagegen_record_generation_event();


--
-- Name: image_generations image_generations_late_cost; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER image_generations_late_cost AFTER UPDATE OF cost, cost_pending_since ON public.image_generations FOR EACH ROW WHEN (((old.status = ANY (ARRAY['completed'::text, 'failed'::text, 'cancelled'::text])) AND (new.status = ANY (ARRAY['completed'::text, 'failed'::text, 'cancelled'::text])) AND ((new.cost IS DISTINCT FROM old.cost) OR ((old.cost_pending_since IS NOT NULL) AND (new.cost_pending_since IS NULL))))) EXECUTE FUNCTION public.imagegen_track_late_cost();


--
-- Name: image_generations image_generations_revived_cost_pending; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER image_generations_revived_cost_pending BEFORE UPDATE OF status ON public.image_generations FOR EACH ROW WHEN (((old.cost_pending_since IS NOT NULL) AND (NOT (new.status = ANY (ARRAY['completed'::text, 'failed'::text, 'cancelled'::text]))))) EXECUTE FUNCTION public.imagegen_clear_cost_pending();


--
-- Name: image_generations image_generations_running_delete; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER image_generations_running_delete AFTER DELETE ON public.image_generations FOR EACH ROW WHEN (((old.batch_id IS NULL) AND (old.status <> ALL (ARRAY['completed'::text, 'failed'::text, 'cancelled'::text])))) EXECUTE FUNCTION public.imagegen_count_running_generations();


--
-- Name: image_generations image_generations_running_insert; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER image_generations_running_insert AFTER INSERT ON public.image_generations FOR EACH ROW WHEN (((new.batch_id IS NULL) AND (new.status <> ALL (ARRAY['completed'::text, 'failed'::text, 'cancelled'::text])))) EXECUTE FUNCTION public.imagegen_count_running_generations();


--
-- Name: image_generations image_generations_running_update; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER image_generations_running_update AFTER UPDATE OF status ON public.image_generations FOR EACH ROW WHEN (((new.batch_id IS NULL) AND ((old.status = ANY (ARRAY['completed'::text, 'failed'::text, 'cancelled'::text])) IS DISTINCT FROM (new.status = ANY (ARRAY['completed'::text, 'failed'::text, 'cancelled'::text]))))) EXECUTE FUNCTION public.imagegen_count_running_generations();


--
-- Name: image_generations image_generations_spend_insert; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER image_generations_spend_insert AFTER INSERT ON public.image_generations REFERENCING NEW TABLE AS inserted FOR EACH STATEMENT EXECUTE FUNCTION public.imagegen_track_spend_inserted();


--
-- Name: image_generations image_generations_spend_update; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER image_generations_spend_update AFTER UPDATE OF status ON public.image_generations FOR EACH ROW WHEN (((old.status = ANY (ARRAY['completed'::text, 'failed'::text, 'cancelled'::text])) IS DISTINCT FROM (new.status = ANY (ARRAY['completed'::text, 'failed'::text, 'cancelled'::text])))) EXECUTE FUNCTION public.imagegen_track_spend();


--
-- Name: image_generations image_generations_transition; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER image_generations_transition BEFORE UPDATE OF status ON public.image_generations FOR EACH ROW EXECUTE FUNCTION public.imagegen_guard_generation_transition();


--
-- Name: image_generations image_generations_updated_at; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER image_generations_updated_at BEFORE UPDATE ON public.image_generations FOR EACH ROW EXECUTE FUNCTION public.imagegen_touch_updated_at();


--
-- Name: image_generations image_generations_webhook; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER image_generations_webhook AFTER INSERT OR UPDATE OF status, progress ON public.image_generations FOR EACH ROW WHEN ((new.webhook IS NOT NULL)) EXECUTE FUNCTION public.imagegen_enqueue_webhook();


--
-- Name: job_queue job_queue_dead_or_revived; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER job_queue_dead_or_revived AFTER UPDATE OF status ON public.job_queue FOR EACH ROW WHEN ((((new.status = 'failed'::text) AND (old.status <> 'failed'::text)) OR ((old.status = 'failed'::text) AND (new.status = 'pending'::text)))) EXECUTE FUNCTION public.job_queue_status_changed();


--
-- Name: job_queue job_queue_notify_insert; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER job_queue_notify_insert AFTER INSERT ON public.job_queue FOR EACH ROW WHEN ((new.status = 'pending'::text)) EXECUTE FUNCTION public.imagegen_notify_job();


--
-- Name: job_queue job_queue_notify_requeue; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER job_queue_notify_requeue AFTER UPDATE OF status ON public.job_queue FOR EACH ROW WHEN (((new.status = 'pending'::text) AND (old.status <> 'pending'::text))) EXECUTE FUNCTION public.imagegen_notify_job();


--
-- Name: job_queue job_queue_updated_at; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER job_queue_updated_at BEFORE UPDATE ON public.job_queue FOR EACH ROW EXECUTE FUNCTION public.imagegen_touch_updated_at();


--
-- Name: api_key_slots api_key_slots_api_key_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.api_key_slots
    ADD CONSTRAINT api_key_slots_api_key_id_fkey FOREIGN KEY (api_key_id) REFERENCES public.api_keys(id) ON DELETE CASCADE;


--
-- Name: generation_events generation_events_generation_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.generation_events
    ADD CONSTRAINT generation_events_generation_id_fkey FOREIGN KEY (generation_id) REFERENCES public.image_generations(id) ON DELETE CASCADE;


--
-- Name: image_generations image_generations_batch_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.image_generations
    ADD CONSTRAINT image_generations_batch_id_fkey FOREIGN KEY (batch_id) REFERENCES public.batches(id);


--
-- Name: images images_generation_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.images
    ADD CONSTRAINT images_generation_id_fkey FOREIGN KEY (generation_id) REFERENCES public.image_generations(id) ON DELETE CASCADE;


--
-- Name: project_members project_members_project_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.project_members
    ADD CONSTRAINT project_members_project_id_fkey FOREIGN KEY (project_id) REFERENCES public.projects(id) ON DELETE CASCADE;


--
-- Name: replicate_create_reservations replicate_create_reservations_generation_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.replicate_create_reservations
    ADD CONSTRAINT replicate_create_reservations_generation_id_fkey FOREIGN KEY (generation_id) REFERENCES public.image_generations(id) ON DELETE CASCADE;


--
-- Name: stream_tokens stream_tokens_generation_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.stream_tokens
    ADD CONSTRAINT stream_tokens_generation_id_fkey FOREIGN KEY (generation_id) REFERENCES public.image_generations(id) ON DELETE CASCADE;


--
-- Name: webhook_deliveries webhook_deliveries_batch_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.webhook_deliveries
    ADD CONSTRAINT webhook_deliveries_batch_id_fkey FOREIGN KEY (batch_id) REFERENCES public.batches(id) ON DELETE CASCADE;


--
-- Name: webhook_deliveries webhook_deliveries_generation_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.webhook_deliveries
    ADD CONSTRAINT webhook_deliveries_generation_id_fkey FOREIGN KEY (generation_id) REFERENCES public.image_generations(id) ON DELETE CASCADE;


--
-- PostgreSQL database dump complete
--


