-- deleted generations stay deleted

CREATE OR REPLACE FUNCTION imagegen_on_job_revived(p_job_type text, p_dedupe_key text) RETURNS void AS $$
BEGIN
    IF p_job_type = 'generate-image' THEN
        UPDATE image_generations
        SET status = 'queued', error_code = NULL, error_message = NULL, completed_at = NULL
        WHERE id = split_part(p_dedupe_key, ':', 2)::uuid AND status IN ('failed') AND deleted_at IS NULL;
    ELSIF p_job_type = 'download-image' THEN
        UPDATE image_generations
        SET status = 'downloading', error_code = NULL, error_message = NULL, completed_at = NULL
        WHERE id = split_part(p_dedupe_key, ':', 2)::uuid AND status IN ('failed') AND deleted_at IS NULL;
    END IF;
END;
$$ LANGUAGE plpgsql;
