import Database
import JobQueue

/// The schema of the whole database: the shared functions, the queue's part and the generations' part, by version.
package let databaseMigrations = Migration.merged(sharedFunctionMigrations, jobQueueMigrations, generationMigrations)

/// The generations' part of the schema: `image_generations`, `generation_events`, `images`, the state machine's guard,
/// the event log, and how a generation follows its jobs' death and revival (the queue's hooks).
let generationMigrations: [Migration] = [
    Migration(version: 1, name: "generations, jobs, images", statements: [
        // Generations: the legacy columns plus catalog id, img2img inputs, progress, cost and idempotency.
        """
        CREATE TABLE image_generations (
            id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
            user_id UUID NOT NULL,
            prompt TEXT NOT NULL,
            negative_prompt TEXT,
            model TEXT NOT NULL,
            model_id TEXT NOT NULL,
            model_version TEXT,
            style TEXT,
            width INTEGER NOT NULL,
            height INTEGER NOT NULL,
            steps INTEGER NOT NULL,
            guidance_scale NUMERIC NOT NULL,
            seed BIGINT,
            source_image_url TEXT,
            strength NUMERIC,
            num_outputs INTEGER NOT NULL DEFAULT 1 CHECK (num_outputs BETWEEN 1 AND 4),
            priority INTEGER NOT NULL DEFAULT 0,
            status TEXT NOT NULL DEFAULT 'pending'
                CHECK (status IN ('pending', 'queued', 'processing', 'downloading', 'completed', 'failed', 'cancelled')),
            progress INTEGER NOT NULL DEFAULT 0 CHECK (progress BETWEEN 0 AND 100),
            error_message TEXT,
            generation_time_seconds INTEGER,
            replicate_prediction_id TEXT,
            output_urls JSONB,
            predict_time DOUBLE PRECISION,
            cost NUMERIC,
            idempotency_key TEXT,
            request_hash TEXT,
            created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
            updated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
            completed_at TIMESTAMPTZ
        )
        """,
        "CREATE UNIQUE INDEX image_generations_idempotency ON image_generations (user_id, idempotency_key) WHERE idempotency_key IS NOT NULL",
        "CREATE INDEX image_generations_user_created ON image_generations (user_id, created_at DESC, id DESC)",
        "CREATE INDEX image_generations_status ON image_generations (status, updated_at)",
        // Every status or progress change, in order: what the gateway's SSE replays after Last-Event-ID.
        """
        CREATE TABLE generation_events (
            id BIGSERIAL PRIMARY KEY,
            generation_id UUID NOT NULL REFERENCES image_generations(id) ON DELETE CASCADE,
            status TEXT NOT NULL,
            progress INTEGER NOT NULL,
            error_message TEXT,
            created_at TIMESTAMPTZ NOT NULL DEFAULT now()
        )
        """,
        "CREATE INDEX generation_events_generation ON generation_events (generation_id, id)",
        // Stored images: the legacy columns plus output index, measured size, digest and type.
        """
        CREATE TABLE images (
            id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
            generation_id UUID REFERENCES image_generations(id) ON DELETE CASCADE,
            user_id UUID NOT NULL,
            output_index INTEGER NOT NULL DEFAULT 0,
            filename TEXT NOT NULL,
            storage_path TEXT NOT NULL,
            public_url TEXT NOT NULL,
            file_size INTEGER NOT NULL,
            width INTEGER NOT NULL,
            height INTEGER NOT NULL,
            format TEXT NOT NULL,
            content_type TEXT NOT NULL,
            sha256 TEXT NOT NULL,
            source_url TEXT,
            prompt TEXT,
            negative_prompt TEXT,
            model TEXT,
            created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
            UNIQUE (generation_id, output_index)
        )
        """,
        "CREATE INDEX images_user ON images (user_id, created_at DESC)",
        """
        CREATE TRIGGER image_generations_updated_at BEFORE UPDATE ON image_generations
        FOR EACH ROW EXECUTE FUNCTION imagegen_touch_updated_at()
        """,
        // A terminal generation never changes status again, whichever statement tries.
        """
        CREATE FUNCTION imagegen_guard_terminal_generation() RETURNS trigger AS $$
        BEGIN
            IF OLD.status IN \(terminalGenerationStatuses) AND NEW.status IS DISTINCT FROM OLD.status THEN
                RAISE EXCEPTION 'generation % is % and cannot become %', OLD.id, OLD.status, NEW.status
                    USING ERRCODE = 'check_violation';
            END IF;
            RETURN NEW;
        END;
        $$ LANGUAGE plpgsql
        """,
        """
        CREATE TRIGGER image_generations_terminal BEFORE UPDATE OF status ON image_generations
        FOR EACH ROW EXECUTE FUNCTION imagegen_guard_terminal_generation()
        """,
        // Each status or progress change is recorded and announced on channel imagegen_generation_events.
        """
        CREATE FUNCTION imagegen_record_generation_event() RETURNS trigger AS $$
        DECLARE
            v_event_id BIGINT;
        BEGIN
            IF TG_OP = 'INSERT' OR NEW.status IS DISTINCT FROM OLD.status OR NEW.progress IS DISTINCT FROM OLD.progress THEN
                INSERT INTO generation_events (generation_id, status, progress, error_message)
                VALUES (NEW.id, NEW.status, NEW.progress, NEW.error_message)
                RETURNING id INTO v_event_id;
                PERFORM pg_notify('imagegen_generation_events', NEW.id::text || ':' || v_event_id::text);
            END IF;
            RETURN NULL;
        END;
        $$ LANGUAGE plpgsql
        """,
        """
        CREATE TRIGGER image_generations_events AFTER INSERT OR UPDATE ON image_generations
        FOR EACH ROW EXECUTE FUNCTION imagegen_record_generation_event()
        """,
    ]),
    // Generation events carry their content in the notification, so a gateway fans one notification out to every stream
    // of that generation without a query per stream.
    Migration(version: 2, name: "generation events in notifications", statements: [
        """
        CREATE OR REPLACE FUNCTION imagegen_record_generation_event() RETURNS trigger AS $$
        DECLARE
            v_event generation_events%ROWTYPE;
        BEGIN
            IF TG_OP = 'INSERT' OR NEW.status IS DISTINCT FROM OLD.status OR NEW.progress IS DISTINCT FROM OLD.progress THEN
                INSERT INTO generation_events (generation_id, status, progress, error_message)
                VALUES (NEW.id, NEW.status, NEW.progress, left(NEW.error_message, 2000))
                RETURNING * INTO v_event;
                PERFORM pg_notify('imagegen_generation_events', json_build_object(
                    'id', v_event.id, 'generation_id', v_event.generation_id, 'status', v_event.status, 'progress', v_event.progress,
                    'error_message', v_event.error_message,
                    'created_at', to_char(v_event.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')
                )::text);
            END IF;
            RETURN NULL;
        END;
        $$ LANGUAGE plpgsql
        """,
    ]),
    Migration(version: 3, name: "index of running generations per user", statements: [
        // The gateway's per-user cap counts only running generations.
        """
        CREATE INDEX image_generations_user_active ON image_generations (user_id)
        WHERE status IN ('pending', 'queued', 'processing', 'downloading')
        """,
    ]),
    Migration(version: 4, name: "notifications after commit", statements: [
        // A new generation has no subscriber yet (its id is not known before the insert returns; streams replay the log).
        """
        CREATE OR REPLACE FUNCTION imagegen_record_generation_event() RETURNS trigger AS $$
        DECLARE
            v_event generation_events%ROWTYPE;
        BEGIN
            IF TG_OP = 'INSERT' OR NEW.status IS DISTINCT FROM OLD.status OR NEW.progress IS DISTINCT FROM OLD.progress THEN
                INSERT INTO generation_events (generation_id, status, progress, error_message)
                VALUES (NEW.id, NEW.status, NEW.progress, left(NEW.error_message, 2000))
                RETURNING * INTO v_event;
                IF TG_OP = 'UPDATE' THEN
                    PERFORM imagegen_notify('imagegen_generation_events', json_build_object(
                        'id', v_event.id, 'generation_id', v_event.generation_id, 'status', v_event.status, 'progress', v_event.progress,
                        'error_message', v_event.error_message,
                        'created_at', to_char(v_event.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')
                    )::text);
                END IF;
            END IF;
            RETURN NULL;
        END;
        $$ LANGUAGE plpgsql
        """,
    ]),
    Migration(version: 6, name: "one generation per prediction", statements: [
        // A retry that lost the create's answer adopts a prediction no generation has recorded: this finds those
        // recorded, and keeps two retries from adopting the same one.
        """
        CREATE UNIQUE INDEX image_generations_prediction ON image_generations (replicate_prediction_id)
        WHERE replicate_prediction_id IS NOT NULL
        """,
    ]),
    Migration(version: 7, name: "one owner per contract", statements: stateMachine),
    Migration(version: 8, name: "per-user running count", statements: runningCount),
    Migration(version: 9, name: "attempt fencing and create windows", statements: [
        // The delivery of the generate-image job that holds the generation (job and attempt): the generator's writes check it.
        "ALTER TABLE image_generations ADD COLUMN job_id UUID",
        "ALTER TABLE image_generations ADD COLUMN job_attempt INTEGER",
        // When the first create call that recorded no prediction may have started: a lost create is looked for from here.
        "ALTER TABLE image_generations ADD COLUMN create_started_at TIMESTAMPTZ",
    ]),
    Migration(version: 10, name: "replicate webhooks applied", statements: [
        // Each of Replicate's webhook deliveries (by `webhook-id`) is applied once; a replay changes nothing.
        """
        CREATE TABLE replicate_webhooks (
            webhook_id TEXT PRIMARY KEY,
            received_at TIMESTAMPTZ NOT NULL DEFAULT now()
        )
        """,
    ]),
    Migration(version: 11, name: "stream tokens", statements: [
        // Short-lived tokens that open one generation's event stream from a browser (EventSource sends no header); only
        // their SHA-256 is kept.
        """
        CREATE TABLE stream_tokens (
            token_hash TEXT PRIMARY KEY,
            generation_id UUID NOT NULL REFERENCES image_generations (id) ON DELETE CASCADE,
            user_id UUID NOT NULL,
            expires_at TIMESTAMPTZ NOT NULL
        )
        """,
        "CREATE INDEX stream_tokens_expiry ON stream_tokens (expires_at)",
    ]),
    Migration(version: 12, name: "client webhooks", statements: clientWebhooks),
    Migration(version: 13, name: "spend and budgets", statements: spendAndBudgets),
    Migration(version: 15, name: "model experiments", statements: [
        // The alias a request asked for (`fast`) when the model it ran is one of that alias's variants.
        "ALTER TABLE image_generations ADD COLUMN model_alias TEXT",
    ]),
    Migration(version: 16, name: "shared Replicate create budget", statements: [
        // One token bucket per Replicate account, shared by every generator (`ReplicateCreateBudget`).
        """
        CREATE TABLE replicate_create_budget (
            account TEXT PRIMARY KEY,
            tokens DOUBLE PRECISION NOT NULL,
            refreshed_at TIMESTAMPTZ NOT NULL DEFAULT now(),
            blocked_until TIMESTAMPTZ,
            granted BOOLEAN NOT NULL DEFAULT false
        )
        """,
        // Full at first: the first take caps it at the burst.
        "INSERT INTO replicate_create_budget (account, tokens) VALUES ('default', 1e9)",
    ]),
    Migration(version: 17, name: "deleted generations", statements: [
        // A deleted generation is a tombstone: gone from its user's API, kept for usage and spend (and for its job to
        // cancel a prediction still running); its images' rows and files are removed, their number kept for usage.
        "ALTER TABLE image_generations ADD COLUMN deleted_at TIMESTAMPTZ, ADD COLUMN deleted_images INTEGER NOT NULL DEFAULT 0",
    ]),
    Migration(version: 19, name: "trace context of generations", statements: [
        // The `traceparent` of the request that created it: jobs made later for it (a download after a Replicate
        // webhook, a job given back by the sweeper) continue its trace.
        "ALTER TABLE image_generations ADD COLUMN trace_context TEXT",
    ]),
    Migration(version: 20, name: "retention", statements: [
        // What retention removes is found by age; orphaned files are matched to rows by path.
        "CREATE INDEX images_created ON images (created_at)",
        "CREATE INDEX images_storage_path ON images (storage_path)",
        "CREATE INDEX generation_events_created ON generation_events (created_at)",
    ]),
    Migration(version: 21, name: "Replicate breaker", statements: [
        // One circuit breaker per Replicate account, shared by every generator (`ReplicateBreaker`): failed calls in a
        // row, when it opened, and when the next probe may go.
        """
        CREATE TABLE replicate_breaker (
            account TEXT PRIMARY KEY,
            failures INTEGER NOT NULL DEFAULT 0,
            opened_at TIMESTAMPTZ,
            probe_at TIMESTAMPTZ
        )
        """,
        "INSERT INTO replicate_breaker (account) VALUES ('default')",
    ]),
    Migration(version: 22, name: "budget month in UTC", statements: budgetMonthInUTC),
    Migration(version: 23, name: "deleted generations stay deleted", statements: [
        // An operator's requeue of a deleted generation's dead job revives nothing.
        """
        CREATE OR REPLACE FUNCTION imagegen_on_job_revived(p_job_type text, p_dedupe_key text) RETURNS void AS $$
        BEGIN
            IF p_job_type = '\(GenerateImage.name)' THEN
                UPDATE image_generations
                SET \(GenerationTransition.revive.setSQL), error_code = NULL, error_message = NULL, completed_at = NULL
                WHERE id = split_part(p_dedupe_key, ':', 2)::uuid AND \(GenerationTransition.revive.guardSQL) AND deleted_at IS NULL;
            ELSIF p_job_type = '\(DownloadImage.name)' THEN
                UPDATE image_generations
                SET \(GenerationTransition.reviveDownload.setSQL), error_code = NULL, error_message = NULL, completed_at = NULL
                WHERE id = split_part(p_dedupe_key, ':', 2)::uuid AND \(GenerationTransition.reviveDownload.guardSQL) AND deleted_at IS NULL;
            END IF;
        END;
        $$ LANGUAGE plpgsql
        """,
    ]),
    Migration(version: 24, name: "billed after the end", statements: [
        // A cost known only after a generation finished (a cancelled or failed prediction Replicate bills for the time it
        // ran) counts in its user's spend when it is recorded.
        """
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
        $$ LANGUAGE plpgsql
        """,
        """
        CREATE TRIGGER image_generations_late_cost AFTER UPDATE OF cost ON image_generations
        FOR EACH ROW WHEN (OLD.status IN \(terminalGenerationStatuses) AND NEW.status IN \(terminalGenerationStatuses)
                           AND NEW.cost IS DISTINCT FROM OLD.cost)
        EXECUTE FUNCTION imagegen_track_late_cost()
        """,
    ]),
]

/// The budget month is the UTC calendar month, whatever the session's `TimeZone` (`date_trunc` of a `timestamptz`
/// follows it): one function says which month a moment belongs to, and the spend trigger and the create statement use it.
private let budgetMonthInUTC: [String] = [
    """
    CREATE FUNCTION imagegen_budget_month(p_at timestamptz) RETURNS date
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN date_trunc('month', p_at AT TIME ZONE 'UTC')::date
    """,
    "ALTER TABLE generation_slots ALTER COLUMN spent_month SET DEFAULT imagegen_budget_month(now())",
    """
    CREATE OR REPLACE FUNCTION imagegen_track_spend() RETURNS trigger AS $$
    DECLARE
        v_month date := imagegen_budget_month(now());
    BEGIN
        IF TG_OP = 'INSERT' OR NOT NEW.status IN \(terminalGenerationStatuses) THEN
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
    $$ LANGUAGE plpgsql
    """,
]

/// Money per user, kept on the row the create statement already locks (`generation_slots`), so a budget check is
/// race-free and costs no extra round trip: what running generations reserve (their expected cost), what finished
/// ones spent this month (their cost), and an optional budget overriding `GATEWAY_MONTHLY_BUDGET_USD`.
private let spendAndBudgets: [String] = [
    "ALTER TABLE image_generations ADD COLUMN expected_cost NUMERIC(12, 6) NOT NULL DEFAULT 0",
    """
    ALTER TABLE generation_slots
        ADD COLUMN reserved_usd NUMERIC(14, 6) NOT NULL DEFAULT 0,
        ADD COLUMN spent_usd NUMERIC(14, 6) NOT NULL DEFAULT 0,
        ADD COLUMN spent_month DATE NOT NULL DEFAULT date_trunc('month', now())::date,
        ADD COLUMN monthly_budget_usd NUMERIC(14, 6) CHECK (monthly_budget_usd >= 0)
    """,
    """
    UPDATE generation_slots s SET spent_usd = coalesce((
        SELECT sum(cost) FROM image_generations g
        WHERE g.user_id = s.user_id AND g.completed_at >= date_trunc('month', now()) AND g.cost IS NOT NULL), 0)
    """,
    """
    CREATE FUNCTION imagegen_track_spend() RETURNS trigger AS $$
    DECLARE
        v_month date := date_trunc('month', now())::date;
    BEGIN
        IF TG_OP = 'INSERT' OR NOT NEW.status IN \(terminalGenerationStatuses) THEN
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
    $$ LANGUAGE plpgsql
    """,
    """
    CREATE TRIGGER image_generations_spend_insert AFTER INSERT ON image_generations
    FOR EACH ROW WHEN (NEW.status NOT IN \(terminalGenerationStatuses)) EXECUTE FUNCTION imagegen_track_spend()
    """,
    """
    CREATE TRIGGER image_generations_spend_update AFTER UPDATE OF status ON image_generations
    FOR EACH ROW WHEN ((OLD.status IN \(terminalGenerationStatuses)) IS DISTINCT FROM (NEW.status IN \(terminalGenerationStatuses)))
    EXECUTE FUNCTION imagegen_track_spend()
    """,
]

/// Webhooks to clients: the request's target and events, each user's signing secrets, every delivery attempt, and the
/// trigger that enqueues an event's `deliver-webhook` job in the very transaction of the change that causes it.
private let clientWebhooks: [String] = [
    """
    ALTER TABLE image_generations ADD COLUMN webhook TEXT, ADD COLUMN webhook_events_filter TEXT[],
        ADD COLUMN webhook_disabled_at TIMESTAMPTZ
    """,
    // The current secret signs; a rotated-out one signs beside it until `previous_until`.
    """
    CREATE TABLE webhook_secrets (
        user_id UUID PRIMARY KEY,
        secret TEXT NOT NULL,
        previous_secret TEXT,
        previous_until TIMESTAMPTZ,
        rotated_at TIMESTAMPTZ NOT NULL DEFAULT now()
    )
    """,
    """
    CREATE TABLE webhook_deliveries (
        id BIGSERIAL PRIMARY KEY,
        generation_id UUID NOT NULL REFERENCES image_generations (id) ON DELETE CASCADE,
        webhook_id TEXT NOT NULL,
        event TEXT NOT NULL,
        attempt INTEGER NOT NULL,
        attempted_at TIMESTAMPTZ NOT NULL DEFAULT now(),
        status_code INTEGER,
        duration_ms INTEGER NOT NULL,
        error TEXT,
        next_attempt_at TIMESTAMPTZ
    )
    """,
    "CREATE INDEX webhook_deliveries_generation ON webhook_deliveries (generation_id, id)",
    // Live deliveries per receiver, counted to rank a new one.
    """
    CREATE INDEX job_queue_webhook_receiver ON job_queue ((payload->>'receiver'))
    WHERE job_type = '\(DeliverWebhook.name)' AND status IN ('pending', 'processing')
    """,
    """
    CREATE FUNCTION imagegen_enqueue_webhook() RETURNS trigger AS $$
    DECLARE
        v_event text;
        v_key text;
        v_receiver text := substring(NEW.webhook from '^[A-Za-z][A-Za-z0-9+.-]*://[^/?#]+');
        v_rank integer;
    BEGIN
        IF NEW.webhook_disabled_at IS NOT NULL THEN
            RETURN NULL;
        ELSIF NEW.status IN \(terminalGenerationStatuses) THEN
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
        v_key := 'webhook:' || NEW.id || ':' || v_event || CASE WHEN v_event = 'progress' THEN ':' || NEW.progress ELSE '' END;
        -- Ranked by the deliveries its receiver already has waiting (fair claims): a slow or dead receiver's backlog is
        -- claimed after everyone else's first delivery. Counted up to 64 only, so a burst to one receiver stays linear.
        SELECT count(*) INTO v_rank FROM (
            SELECT 1 FROM job_queue
            WHERE job_type = '\(DeliverWebhook.name)' AND status IN ('pending', 'processing') AND payload->>'receiver' = v_receiver
            LIMIT 64
        ) AS waiting;
        INSERT INTO job_queue (job_type, payload, dedupe_key, max_attempts, fair_rank)
        VALUES ('\(DeliverWebhook.name)',
                jsonb_build_object('generation_id', NEW.id, 'user_id', NEW.user_id, 'event', v_event, 'receiver', v_receiver),
                v_key, \(DeliverWebhook.maxAttempts), v_rank)
        \(JobQueue.skipLiveDuplicates);
        RETURN NULL;
    END;
    $$ LANGUAGE plpgsql
    """,
    """
    CREATE TRIGGER image_generations_webhook AFTER INSERT OR UPDATE OF status, progress ON image_generations
    FOR EACH ROW WHEN (NEW.webhook IS NOT NULL) EXECUTE FUNCTION imagegen_enqueue_webhook()
    """,
]

private let terminalGenerationStatuses = "('completed', 'failed', 'cancelled')"

/// The status changes ``GenerationTransition`` declares are the only ones the table accepts; each recorded event names
/// its transition; a dead job fails its generation and a revived one runs it again, in the queue's transaction.
private let stateMachine: [String] = [
    "ALTER TABLE generation_events ADD COLUMN event TEXT",
    // What a user may act on when a generation failed (`GenerationFailure`); `error_message` says it in words.
    "ALTER TABLE image_generations ADD COLUMN error_code TEXT",
    // An event's message is cut by bytes, not characters, so its notification stays under PostgreSQL's 8,000-byte limit.
    """
    CREATE FUNCTION imagegen_left_bytes(p_text text, p_bytes integer) RETURNS text AS $$
    DECLARE
        v_text text := left(p_text, p_bytes);
    BEGIN
        WHILE octet_length(v_text) > p_bytes LOOP
            v_text := left(v_text, length(v_text) - GREATEST(1, (octet_length(v_text) - p_bytes) / 4));
        END LOOP;
        RETURN v_text;
    END;
    $$ LANGUAGE plpgsql IMMUTABLE
    """,
    "DROP TRIGGER image_generations_terminal ON image_generations",
    "DROP FUNCTION imagegen_guard_terminal_generation()",
    """
    CREATE FUNCTION imagegen_guard_generation_transition() RETURNS trigger AS $$
    BEGIN
        IF NEW.status IS DISTINCT FROM OLD.status
           AND (OLD.status, NEW.status) NOT IN (\(GenerationTransition.allowedChangesSQL)) THEN
            RAISE EXCEPTION 'generation % cannot go from % to %', OLD.id, OLD.status, NEW.status
                USING ERRCODE = 'check_violation';
        END IF;
        RETURN NEW;
    END;
    $$ LANGUAGE plpgsql
    """,
    """
    CREATE TRIGGER image_generations_transition BEFORE UPDATE OF status ON image_generations
    FOR EACH ROW EXECUTE FUNCTION imagegen_guard_generation_transition()
    """,
    """
    CREATE OR REPLACE FUNCTION imagegen_record_generation_event() RETURNS trigger AS $$
    DECLARE
        v_event generation_events%ROWTYPE;
    BEGIN
        IF TG_OP = 'INSERT' OR NEW.status IS DISTINCT FROM OLD.status OR NEW.progress IS DISTINCT FROM OLD.progress THEN
            INSERT INTO generation_events (generation_id, status, progress, error_message, event)
            VALUES (NEW.id, NEW.status, NEW.progress,
                    CASE WHEN octet_length(NEW.error_message) > 2000 THEN imagegen_left_bytes(NEW.error_message, 2000) ELSE NEW.error_message END,
                    CASE WHEN TG_OP = 'INSERT' THEN '\(GenerationTransition.create.event)'
                         WHEN NEW.status IS NOT DISTINCT FROM OLD.status THEN 'progress'
                         ELSE \(GenerationTransition.eventCaseSQL) END)
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
    $$ LANGUAGE plpgsql
    """,
    """
    CREATE OR REPLACE FUNCTION imagegen_on_job_dead(p_job_type text, p_dedupe_key text, p_error text) RETURNS void AS $$
    BEGIN
        IF p_job_type IN ('\(GenerateImage.name)', '\(DownloadImage.name)') THEN
            -- A plain reason for the user: the job's own error names services and stays in its history.
            UPDATE image_generations
            SET \(GenerationTransition.fail.setSQL), error_code = '\(GenerationFailure.unavailable.code)',
                error_message = '\(GenerationFailure.unavailable.message)', completed_at = now()
            WHERE id = split_part(p_dedupe_key, ':', 2)::uuid AND \(GenerationTransition.fail.guardSQL);
        END IF;
    END;
    $$ LANGUAGE plpgsql
    """,
    """
    CREATE OR REPLACE FUNCTION imagegen_on_job_revived(p_job_type text, p_dedupe_key text) RETURNS void AS $$
    BEGIN
        IF p_job_type = '\(GenerateImage.name)' THEN
            UPDATE image_generations
            SET \(GenerationTransition.revive.setSQL), error_code = NULL, error_message = NULL, completed_at = NULL
            WHERE id = split_part(p_dedupe_key, ':', 2)::uuid AND \(GenerationTransition.revive.guardSQL);
        ELSIF p_job_type = '\(DownloadImage.name)' THEN
            UPDATE image_generations
            SET \(GenerationTransition.reviveDownload.setSQL), error_code = NULL, error_message = NULL, completed_at = NULL
            WHERE id = split_part(p_dedupe_key, ':', 2)::uuid AND \(GenerationTransition.reviveDownload.guardSQL);
        END IF;
    END;
    $$ LANGUAGE plpgsql
    """,
]

/// Each user's number of unfinished generations, kept by trigger on every insert, status change and delete, whoever
/// writes them: the create statement locks this row to check the cap, so concurrent creates of one user queue on it.
private let runningCount: [String] = [
    """
    CREATE TABLE generation_slots (
        user_id UUID PRIMARY KEY,
        running INTEGER NOT NULL DEFAULT 0 CHECK (running >= 0)
    )
    """,
    """
    INSERT INTO generation_slots (user_id, running)
    SELECT user_id, count(*) FROM image_generations WHERE status NOT IN \(terminalGenerationStatuses) GROUP BY user_id
    """,
    """
    CREATE FUNCTION imagegen_count_running_generations() RETURNS trigger AS $$
    BEGIN
        IF TG_OP = 'DELETE' THEN
            UPDATE generation_slots SET running = running - 1 WHERE user_id = OLD.user_id;
        ELSIF NEW.status IN \(terminalGenerationStatuses) THEN
            UPDATE generation_slots SET running = running - 1 WHERE user_id = NEW.user_id;
        ELSE
            INSERT INTO generation_slots AS s (user_id, running) VALUES (NEW.user_id, 1)
            ON CONFLICT (user_id) DO UPDATE SET running = s.running + 1;
        END IF;
        RETURN NULL;
    END;
    $$ LANGUAGE plpgsql
    """,
    // Each fires only when a generation starts or stops counting, not on every status change.
    """
    CREATE TRIGGER image_generations_running_insert AFTER INSERT ON image_generations
    FOR EACH ROW WHEN (NEW.status NOT IN \(terminalGenerationStatuses)) EXECUTE FUNCTION imagegen_count_running_generations()
    """,
    """
    CREATE TRIGGER image_generations_running_update AFTER UPDATE OF status ON image_generations
    FOR EACH ROW WHEN ((OLD.status IN \(terminalGenerationStatuses)) IS DISTINCT FROM (NEW.status IN \(terminalGenerationStatuses)))
    EXECUTE FUNCTION imagegen_count_running_generations()
    """,
    """
    CREATE TRIGGER image_generations_running_delete AFTER DELETE ON image_generations
    FOR EACH ROW WHEN (OLD.status NOT IN \(terminalGenerationStatuses)) EXECUTE FUNCTION imagegen_count_running_generations()
    """,
]
