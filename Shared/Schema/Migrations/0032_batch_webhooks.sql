-- batch webhooks

-- A batch may name a webhook: once every item is finished (completed, failed or cancelled) one `batch.completed`
-- delivery is enqueued for it, through the notifier like a generation's. `unfinished` counts its items not finished,
-- kept by a trigger as items finish (or are revived), so finding the last one costs no scan of the batch.
ALTER TABLE batches
    ADD COLUMN webhook text,
    ADD COLUMN unfinished integer NOT NULL DEFAULT 0 CHECK (unfinished >= 0),
    ADD COLUMN completed_at timestamptz;

CREATE FUNCTION imagegen_count_batch_items() RETURNS trigger AS $$
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
$$ LANGUAGE plpgsql;

CREATE TRIGGER image_generations_batch_items AFTER UPDATE OF status ON image_generations
FOR EACH ROW WHEN (NEW.batch_id IS NOT NULL
    AND (OLD.status IN ('completed', 'failed', 'cancelled')) IS DISTINCT FROM (NEW.status IN ('completed', 'failed', 'cancelled')))
EXECUTE FUNCTION imagegen_count_batch_items();

-- A delivery's attempts belong to its generation or its batch.
ALTER TABLE webhook_deliveries
    ALTER COLUMN generation_id DROP NOT NULL,
    ADD COLUMN batch_id uuid REFERENCES batches (id) ON DELETE CASCADE,
    ADD CONSTRAINT webhook_deliveries_subject CHECK ((generation_id IS NULL) <> (batch_id IS NULL));
CREATE INDEX webhook_deliveries_batch ON webhook_deliveries (batch_id, id) WHERE batch_id IS NOT NULL;
