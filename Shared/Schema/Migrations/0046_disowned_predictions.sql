-- disowned predictions

-- A delivery whose create answered after a later delivery took the generation over gives its prediction up here before
-- cancelling it, unless the generation already follows it (the later delivery found and adopted it). Recording a
-- prediction refuses one given up, and both are updates of the generation's row, so whichever comes second sees the
-- first: a prediction is never both adopted and cancelled.
ALTER TABLE image_generations ADD COLUMN disowned_predictions text[] NOT NULL DEFAULT '{}';
