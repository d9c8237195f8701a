-- model timings

-- What each model's predictions take at Replicate (predict_time) and how long its generations wait before they start,
-- learned from every generator's samples: exponentially weighted moving averages (each sample weighs 5 %), run times on a
-- log scale (their spread is multiplicative), merged a batch at a time so no generation writes here.
CREATE TABLE model_timings (
    model_id text PRIMARY KEY,
    run_samples bigint NOT NULL DEFAULT 0,
    run_log_mean double precision,
    run_log_var double precision,
    wait_samples bigint NOT NULL DEFAULT 0,
    wait_seconds double precision,
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- Folds a batch into a model's averages: `n` samples with mean `m` and variance `v` weigh w = 1 - 0.95^n against the
-- average so far (the first batch sets it).
CREATE FUNCTION imagegen_merge_model_timings(
    p_model text, p_run_n bigint, p_run_log_mean double precision, p_run_log_var double precision,
    p_wait_n bigint, p_wait_mean double precision
) RETURNS void AS $$
DECLARE
    v_run_w double precision := 1 - power(0.95, greatest(p_run_n, 0));
    v_wait_w double precision := 1 - power(0.95, greatest(p_wait_n, 0));
BEGIN
    INSERT INTO model_timings AS t (model_id, run_samples, run_log_mean, run_log_var, wait_samples, wait_seconds)
    VALUES (p_model, p_run_n, CASE WHEN p_run_n > 0 THEN p_run_log_mean END, CASE WHEN p_run_n > 0 THEN p_run_log_var END,
            p_wait_n, CASE WHEN p_wait_n > 0 THEN p_wait_mean END)
    ON CONFLICT (model_id) DO UPDATE SET
        run_samples = t.run_samples + p_run_n,
        run_log_mean = CASE WHEN p_run_n = 0 THEN t.run_log_mean WHEN t.run_log_mean IS NULL THEN p_run_log_mean
                            ELSE t.run_log_mean + v_run_w * (p_run_log_mean - t.run_log_mean) END,
        run_log_var = CASE WHEN p_run_n = 0 THEN t.run_log_var WHEN t.run_log_var IS NULL THEN p_run_log_var
                           ELSE (1 - v_run_w) * (t.run_log_var + v_run_w * power(p_run_log_mean - t.run_log_mean, 2)) + v_run_w * p_run_log_var END,
        wait_samples = t.wait_samples + p_wait_n,
        wait_seconds = CASE WHEN p_wait_n = 0 THEN t.wait_seconds WHEN t.wait_seconds IS NULL THEN p_wait_mean
                            ELSE t.wait_seconds + v_wait_w * (p_wait_mean - t.wait_seconds) END,
        updated_at = now();
END;
$$ LANGUAGE plpgsql;
