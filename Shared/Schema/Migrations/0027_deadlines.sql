-- deadlines

-- When a generation must have finished (a request's `deadline` or `Cancel-After`, or the operator's default): not
-- started by then, it fails without a Replicate call; started, Replicate is told the rest as its own Cancel-After.
ALTER TABLE image_generations ADD COLUMN deadline_at timestamptz;

-- The dispatcher fails waiting generations whose deadline passed.
CREATE INDEX image_generations_waiting_deadline ON image_generations (deadline_at)
WHERE deadline_at IS NOT NULL AND status IN ('pending', 'queued');
