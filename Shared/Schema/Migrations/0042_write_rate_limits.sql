-- write rate limits

-- An API key may have its own rate: requests a minute over every write it makes, beside its user's limits.
ALTER TABLE api_keys ADD COLUMN rate_per_minute integer CHECK (rate_per_minute BETWEEN 1 AND 1000000);

-- Takes one token from each of `p_subjects`' buckets (each refilled continuously at its rate a minute, bursting to
-- it), all or none: a request is admitted only when every limit it falls under has a token, and a refused request
-- spends none. Returns each bucket's tokens left (below 1 for one that refused). Rows are locked in subject order, so
-- concurrent takes of overlapping subjects cannot deadlock.
CREATE FUNCTION imagegen_take_tokens(p_subjects text[], p_rates float8[])
RETURNS TABLE (subject text, rate float8, tokens float8, taken boolean)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
BEGIN
    INSERT INTO rate_buckets AS b (subject, tokens, taken, updated_at)
    SELECT w.s, w.r, false, now() FROM unnest(p_subjects, p_rates) AS w(s, r) ORDER BY w.s
    ON CONFLICT ON CONSTRAINT rate_buckets_pkey DO NOTHING;
    RETURN QUERY
    WITH locked AS (
        SELECT b.subject, w.r,
               least(w.r, b.tokens + extract(epoch FROM now() - b.updated_at)::float8 * w.r / 60) AS available
        FROM rate_buckets b JOIN unnest(p_subjects, p_rates) AS w(s, r) ON w.s = b.subject
        ORDER BY b.subject
        FOR UPDATE OF b
    ), verdict AS (
        SELECT bool_and(l.available >= 1) AS ok FROM locked l
    )
    UPDATE rate_buckets AS b
    SET tokens = l.available - CASE WHEN v.ok THEN 1 ELSE 0 END, taken = v.ok, updated_at = now()
    FROM locked l, verdict v
    WHERE b.subject = l.subject
    RETURNING b.subject, l.r, b.tokens, b.taken;
END;
$$;
