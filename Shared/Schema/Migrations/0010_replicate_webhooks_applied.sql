-- replicate webhooks applied

CREATE TABLE replicate_webhooks (
    webhook_id TEXT PRIMARY KEY,
    received_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
