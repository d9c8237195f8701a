-- budget alerts

-- Where a user's account events (`budget.threshold`) are posted: one webhook per user, signed with the user's webhook
-- secret as generation webhooks are. A receiver answering 410 Gone deletes it.
CREATE TABLE account_webhooks (
    user_id uuid PRIMARY KEY,
    url text NOT NULL CHECK (length(url) <= 2048),
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- Each threshold (50, 80, 100 % of the monthly budget) a user's spend crossed, once per month: the primary key is what
-- makes the `budget.threshold` event go out once however many gateways notice the crossing. Kept with the budget and
-- the spend at the moment it was seen, which is what the event carries.
CREATE TABLE budget_alerts (
    user_id uuid NOT NULL,
    month date NOT NULL,
    threshold smallint NOT NULL CHECK (threshold IN (50, 80, 100)),
    budget_usd numeric(14, 6) NOT NULL,
    spent_usd numeric(14, 6) NOT NULL,
    crossed_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, month, threshold)
);

-- Deliveries of account events are recorded like the others, against the user.
ALTER TABLE webhook_deliveries ADD COLUMN account_user_id uuid;
ALTER TABLE webhook_deliveries DROP CONSTRAINT webhook_deliveries_subject;
ALTER TABLE webhook_deliveries ADD CONSTRAINT webhook_deliveries_subject
    CHECK (num_nonnulls(generation_id, batch_id, account_user_id) = 1);
CREATE INDEX webhook_deliveries_account ON webhook_deliveries (account_user_id, id) WHERE account_user_id IS NOT NULL;
