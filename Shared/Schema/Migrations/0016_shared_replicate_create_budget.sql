-- shared Replicate create budget

CREATE TABLE replicate_create_budget (
    account TEXT PRIMARY KEY,
    tokens DOUBLE PRECISION NOT NULL,
    refreshed_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    blocked_until TIMESTAMPTZ,
    granted BOOLEAN NOT NULL DEFAULT false
);

INSERT INTO replicate_create_budget (account, tokens) VALUES ('default', 1e9);
