-- per-user running count

CREATE TABLE generation_slots (
    user_id UUID PRIMARY KEY,
    running INTEGER NOT NULL DEFAULT 0 CHECK (running >= 0)
);

INSERT INTO generation_slots (user_id, running)
SELECT user_id, count(*) FROM image_generations WHERE status NOT IN ('completed', 'failed', 'cancelled') GROUP BY user_id;

CREATE FUNCTION imagegen_count_running_generations() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        UPDATE generation_slots SET running = running - 1 WHERE user_id = OLD.user_id;
    ELSIF NEW.status IN ('completed', 'failed', 'cancelled') THEN
        UPDATE generation_slots SET running = running - 1 WHERE user_id = NEW.user_id;
    ELSE
        INSERT INTO generation_slots AS s (user_id, running) VALUES (NEW.user_id, 1)
        ON CONFLICT (user_id) DO UPDATE SET running = s.running + 1;
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER image_generations_running_insert AFTER INSERT ON image_generations
FOR EACH ROW WHEN (NEW.status NOT IN ('completed', 'failed', 'cancelled')) EXECUTE FUNCTION imagegen_count_running_generations();

CREATE TRIGGER image_generations_running_update AFTER UPDATE OF status ON image_generations
FOR EACH ROW WHEN ((OLD.status IN ('completed', 'failed', 'cancelled')) IS DISTINCT FROM (NEW.status IN ('completed', 'failed', 'cancelled')))
EXECUTE FUNCTION imagegen_count_running_generations();

CREATE TRIGGER image_generations_running_delete AFTER DELETE ON image_generations
FOR EACH ROW WHEN (OLD.status NOT IN ('completed', 'failed', 'cancelled')) EXECUTE FUNCTION imagegen_count_running_generations();
