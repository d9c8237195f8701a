-- catalog overrides

-- Besides disabling, operators override a model's price (its unit price in the catalog's billing unit) and, for a
-- community model, the version its new generations run; and an alias's weights. The compiled catalog stays the
-- default: no row, or a null column, is the catalog's value. A row may now hold any of them.
ALTER TABLE model_states ALTER COLUMN disabled_reason DROP NOT NULL;
ALTER TABLE model_states ADD COLUMN price_usd numeric(14, 8) CHECK (price_usd >= 0);
ALTER TABLE model_states ADD COLUMN version text CHECK (version ~ '^[0-9a-f]{64}$');

CREATE TABLE alias_weights (
    alias text NOT NULL,
    model_id text NOT NULL,
    weight integer NOT NULL CHECK (weight BETWEEN 0 AND 1000000),
    changed_by text NOT NULL,
    changed_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (alias, model_id)
);

-- Every change, as before, with what it set (`value`: the price, the version, the weights as JSON; null when reset).
ALTER TABLE model_state_changes DROP CONSTRAINT model_state_changes_change_check;
ALTER TABLE model_state_changes ADD CONSTRAINT model_state_changes_change_check
    CHECK (change IN ('disabled', 'enabled', 'price', 'version', 'weights'));
ALTER TABLE model_state_changes ADD COLUMN value text;

-- The unit price a generation was created at (null: the catalog's), so its cost is settled at the price its request
-- was admitted under, whichever service settles it.
ALTER TABLE image_generations ADD COLUMN price_usd numeric(14, 8);
