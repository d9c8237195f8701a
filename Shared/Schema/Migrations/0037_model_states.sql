-- model states

-- Operators take a model out of service without a release (`POST /v1/admin/models/disable` on the dispatcher,
-- `imagegen admin models disable`): a disabled model is refused by every gateway (422 naming the reason) within a
-- second or two, and listed so in `/v1/models`. The compiled catalog stays the default: a model without a row is
-- enabled. Every change is kept in `model_state_changes`, with who made it and why.
CREATE TABLE model_states (
    model_id text PRIMARY KEY,
    disabled_reason text NOT NULL CHECK (length(disabled_reason) BETWEEN 1 AND 200),
    changed_by text NOT NULL,
    changed_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE model_state_changes (
    id bigserial PRIMARY KEY,
    model_id text NOT NULL,
    change text NOT NULL CHECK (change IN ('disabled', 'enabled')),
    reason text,
    changed_by text NOT NULL,
    changed_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX model_state_changes_by_model ON model_state_changes (model_id, changed_at DESC);
