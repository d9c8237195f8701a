-- Replicate breaker

CREATE TABLE replicate_breaker (
    account TEXT PRIMARY KEY,
    failures INTEGER NOT NULL DEFAULT 0,
    opened_at TIMESTAMPTZ,
    probe_at TIMESTAMPTZ
);

INSERT INTO replicate_breaker (account) VALUES ('default');
