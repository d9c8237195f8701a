-- one generation per prediction

CREATE UNIQUE INDEX image_generations_prediction ON image_generations (replicate_prediction_id)
WHERE replicate_prediction_id IS NOT NULL;
