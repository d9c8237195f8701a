-- batches

-- A batch: up to 10,000 ordinary generations made by one request (`POST /v1/batches`), each carrying `batch_id` and its
-- place in the request (`batch_index`). Its items run on a lower lane than interactive requests and do not count
-- against a user's running cap (which guards interactive use); their expected cost is reserved like any generation's.
CREATE TABLE batches (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id uuid NOT NULL,
    item_count integer NOT NULL CHECK (item_count BETWEEN 1 AND 10000),
    expected_cost numeric NOT NULL DEFAULT 0,
    idempotency_key text,
    request_hash text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    cancelled_at timestamptz,
    deleted_at timestamptz
);
CREATE UNIQUE INDEX batches_idempotency ON batches (user_id, idempotency_key) WHERE idempotency_key IS NOT NULL;
CREATE INDEX batches_by_user ON batches (user_id, created_at DESC, id DESC);

ALTER TABLE image_generations ADD COLUMN batch_id uuid REFERENCES batches (id), ADD COLUMN batch_index integer;
CREATE UNIQUE INDEX image_generations_batch ON image_generations (batch_id, batch_index) WHERE batch_id IS NOT NULL;

-- The running cap counts interactive generations only.
DROP TRIGGER image_generations_running_insert ON image_generations;
DROP TRIGGER image_generations_running_update ON image_generations;
DROP TRIGGER image_generations_running_delete ON image_generations;
CREATE TRIGGER image_generations_running_insert AFTER INSERT ON image_generations
FOR EACH ROW WHEN (NEW.batch_id IS NULL AND NEW.status NOT IN ('completed', 'failed', 'cancelled'))
EXECUTE FUNCTION imagegen_count_running_generations();
CREATE TRIGGER image_generations_running_update AFTER UPDATE OF status ON image_generations
FOR EACH ROW WHEN (NEW.batch_id IS NULL
    AND (OLD.status IN ('completed', 'failed', 'cancelled')) IS DISTINCT FROM (NEW.status IN ('completed', 'failed', 'cancelled')))
EXECUTE FUNCTION imagegen_count_running_generations();
CREATE TRIGGER image_generations_running_delete AFTER DELETE ON image_generations
FOR EACH ROW WHEN (OLD.batch_id IS NULL AND OLD.status NOT IN ('completed', 'failed', 'cancelled'))
EXECUTE FUNCTION imagegen_count_running_generations();

-- Inserts reserve and log per statement, not per row: a batch of 10,000 is one update of its user's slot and one insert
-- of its `created` events (a row trigger would update the same slot row 10,000 times in one transaction).
DROP TRIGGER image_generations_spend_insert ON image_generations;
CREATE FUNCTION imagegen_track_spend_inserted() RETURNS trigger AS $$
BEGIN
    INSERT INTO generation_slots AS s (user_id, reserved_usd)
    SELECT user_id, sum(expected_cost) FROM inserted WHERE status NOT IN ('completed', 'failed', 'cancelled') GROUP BY user_id
    ON CONFLICT (user_id) DO UPDATE SET reserved_usd = s.reserved_usd + EXCLUDED.reserved_usd;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER image_generations_spend_insert AFTER INSERT ON image_generations REFERENCING NEW TABLE AS inserted
FOR EACH STATEMENT EXECUTE FUNCTION imagegen_track_spend_inserted();

DROP TRIGGER image_generations_events ON image_generations;
CREATE TRIGGER image_generations_events AFTER UPDATE ON image_generations
FOR EACH ROW EXECUTE FUNCTION imagegen_record_generation_event();
CREATE FUNCTION imagegen_record_created_generations() RETURNS trigger AS $$
BEGIN
    INSERT INTO generation_events (generation_id, status, progress, error_message, event)
    SELECT id, status, progress,
           CASE WHEN octet_length(error_message) > 2000 THEN imagegen_left_bytes(error_message, 2000) ELSE error_message END, 'created'
    FROM inserted ORDER BY batch_index;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER image_generations_created_events AFTER INSERT ON image_generations REFERENCING NEW TABLE AS inserted
FOR EACH STATEMENT EXECUTE FUNCTION imagegen_record_created_generations();
