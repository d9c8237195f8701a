-- shared rate limits

-- Each user's request rate (GATEWAY_RATE_PER_MINUTE) as one token bucket per subject, shared by every gateway: one
-- statement refills it for the time since it was last used, takes a token when there is one, and says which. Unlogged:
-- a crash forgets the buckets (every one starts full again), which costs a rate limit nothing and spares a WAL write per
-- request. Buckets idle for an hour are full and are deleted by the dispatcher's maintenance.
CREATE UNLOGGED TABLE rate_buckets (
    subject text PRIMARY KEY,
    tokens float8 NOT NULL,
    taken boolean NOT NULL,
    updated_at timestamptz NOT NULL
);
CREATE INDEX rate_buckets_by_age ON rate_buckets (updated_at);
