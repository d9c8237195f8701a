-- input file uploads

-- An upload a client sends straight to the bucket (`POST /v1/files/uploads`, with S3 storage): its object is
-- `uploads/<id>.upload` under the storage prefix, PUT with a presigned URL. Completing it
-- (`POST /v1/files/uploads/{id}/complete`, within an hour) takes the row, checks the object as `POST /v1/files` checks
-- a body and stores it as the input file with the same id; the object is deleted then, and an abandoned one by the
-- downloader's sweep of files no row names (after an hour).
CREATE TABLE input_file_uploads (
    id uuid PRIMARY KEY,
    user_id uuid NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX input_file_uploads_by_age ON input_file_uploads (created_at);
