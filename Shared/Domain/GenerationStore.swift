import ReplicateAPI
import Foundation
import Logging
import PostgresNIO

/// Why a generation write was refused.
package enum GenerationStoreError: Error, Equatable {
    /// The same idempotency key was used before with a different body.
    case idempotencyKeyReused
}

/// SQL for generations and their images. Every status change is guarded in its `WHERE` clause.
package struct GenerationStore: Sendable {
    package let client: PostgresClient
    package let logger: Logger

    package init(client: PostgresClient, logger: Logger) {
        self.client = client
        self.logger = logger
    }

    /// Inserts a queued generation and its `generate-image` job atomically. With an idempotency key, a repeat of the
    /// same body returns the original (`created == false`) and a different body throws ``GenerationStoreError/idempotencyKeyReused``.
    package func create(
        _ request: GenerationRequest, userID: UUID, idempotencyKey: String?, requestHash: String
    ) async throws -> (generation: Generation, jobID: UUID?, created: Bool) {
        let model = ModelCatalog.model(request.modelId)
        let steps = request.numInferenceSteps ?? model.flatMap { $0.field($0.stepsInput ?? "")?.defaultValue?.number }.map { Int($0) } ?? 0
        let guidance = request.guidanceScale ?? model.flatMap { $0.field($0.guidanceInput ?? "")?.defaultValue?.number } ?? 0
        let modelName = String(request.modelId.split(separator: "/").last ?? Substring(request.modelId))
        /// ONE statement (so one round trip and one commit): the generation and its generate-image job, or nothing when this
        /// user already used the idempotency key (the unique index makes concurrent duplicates collapse to one row).
        let inserted = try await client.query(
            """
            WITH generation AS (
                INSERT INTO image_generations (
                    user_id, prompt, negative_prompt, model, model_id, model_version, style, width, height, steps, guidance_scale,
                    seed, source_image_url, strength, num_outputs, priority, status, idempotency_key, request_hash
                ) VALUES (
                    \(userID), \(request.prompt), \(request.negativePrompt), \(modelName), \(request.modelId), \(request.modelVersion),
                    \(request.style), \(request.width), \(request.height), \(steps), \(guidance), \(request.seed),
                    \(request.sourceImageUrl), \(request.strength), \(request.numOutputs), \(request.priority), 'queued',
                    \(idempotencyKey), \(requestHash)
                )
                ON CONFLICT (user_id, idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING
                RETURNING *
            ), job AS (
                INSERT INTO job_queue (job_type, payload, priority, max_attempts, dedupe_key)
                SELECT \(JobType.generateImage), jsonb_build_object('generation_id', id, 'user_id', user_id), priority, 5, 'generate:' || id
                FROM generation
                RETURNING id
            )
            SELECT \(unescaped: Generation.columns), (SELECT id FROM job) FROM generation
            """,
            logger: logger
        )
        for try await row in inserted {
            return (try Generation(row: row), try row.makeRandomAccess()[28].decode(UUID?.self), true)
        }
        /// The key was used before: return that generation if the body matches.
        let existing = try await client.query(
            """
            SELECT \(unescaped: Generation.columns), request_hash FROM image_generations
            WHERE user_id = \(userID) AND idempotency_key = \(idempotencyKey)
            """,
            logger: logger
        )
        for try await row in existing where try row.makeRandomAccess()[28].decode(String?.self) == requestHash {
            return (try Generation(row: row), nil, false)
        }
        throw GenerationStoreError.idempotencyKeyReused
    }

    /// How many of `userID`'s generations are still running, counted no further than `limit` (a partial index keeps it small).
    package func runningCount(userID: UUID, upTo limit: Int) async throws -> Int {
        /// Non-terminal generations of one user, bounded by the cap.
        let rows = try await client.query(
            """
            SELECT count(*)::int8 FROM (
                SELECT 1 FROM image_generations
                WHERE user_id = \(userID) AND status IN ('pending', 'queued', 'processing', 'downloading')
                LIMIT \(limit)
            ) AS running
            """,
            logger: logger
        )
        for try await count in rows.decode(Int.self) { return count }
        return 0
    }

    /// The generation `id`, only if `userID` owns it (when given).
    package func find(_ id: UUID, userID: UUID? = nil) async throws -> Generation? {
        /// One generation, scoped to its owner.
        let rows = try await client.query(
            """
            SELECT \(unescaped: Generation.columns) FROM image_generations
            WHERE id = \(id) AND (\(userID)::uuid IS NULL OR user_id = \(userID)::uuid)
            """,
            logger: logger
        )
        for try await row in rows { return try Generation(row: row) }
        return nil
    }

    /// A page of `userID`'s generations, newest first, strictly after generation `cursor` in that order.
    package func list(userID: UUID, status: GenerationStatus?, limit: Int, after cursor: UUID?) async throws -> [Generation] {
        /// Keyset pagination over (created_at DESC, id DESC): stable while rows are inserted.
        let rows = try await client.query(
            """
            SELECT \(unescaped: Generation.columns) FROM image_generations
            WHERE user_id = \(userID)
              AND (\(status?.rawValue)::text IS NULL OR status = \(status?.rawValue)::text)
              AND (\(cursor)::uuid IS NULL
                   OR (created_at, id) < (SELECT created_at, id FROM image_generations WHERE id = \(cursor)::uuid))
            ORDER BY created_at DESC, id DESC
            LIMIT \(limit)
            """,
            logger: logger
        )
        var page: [Generation] = []
        for try await row in rows { page.append(try Generation(row: row)) }
        return page
    }

    /// The images of generation `id`, by output index.
    package func images(of id: UUID) async throws -> [StoredImage] {
        /// All stored outputs of one generation.
        let rows = try await client.query(
            "SELECT \(unescaped: StoredImage.columns) FROM images WHERE generation_id = \(id) ORDER BY output_index",
            logger: logger
        )
        var images: [StoredImage] = []
        for try await row in rows { images.append(try StoredImage(row: row)) }
        return images
    }

    /// The image `id`, only if `userID` owns it.
    package func image(_ id: UUID, userID: UUID) async throws -> StoredImage? {
        /// One image, scoped to its owner.
        let rows = try await client.query(
            "SELECT \(unescaped: StoredImage.columns) FROM images WHERE id = \(id) AND user_id = \(userID)",
            logger: logger
        )
        for try await row in rows { return try StoredImage(row: row) }
        return nil
    }

    /// Cancels a non-terminal generation and its pending jobs in one transaction; returns the generation after the change,
    /// or nil when it does not exist for this user. A terminal generation is returned unchanged.
    package func cancel(_ id: UUID, userID: UUID) async throws -> (generation: Generation, changed: Bool)? {
        let cancelled: Generation? = try await client.withTransaction(logger: logger) { connection in
            /// Cancel only what is not finished.
            let rows = try await connection.query(
                """
                UPDATE image_generations SET status = 'cancelled', error_message = 'Cancelled by user', completed_at = now()
                WHERE id = \(id) AND user_id = \(userID) AND status NOT IN ('completed', 'failed', 'cancelled')
                RETURNING \(unescaped: Generation.columns)
                """,
                logger: logger
            )
            for try await row in rows {
                /// Pending work for it will never run.
                try await connection.query(
                    """
                    UPDATE job_queue SET status = 'cancelled', completed_at = now()
                    WHERE lower(payload->>'generation_id') = \(id.uuidString.lowercased()) AND status = 'pending'
                    """,
                    logger: logger
                )
                return try Generation(row: row)
            }
            return nil
        }
        if let cancelled { return (cancelled, true) }
        return try await find(id, userID: userID).map { ($0, false) }
    }

    /// Fails a non-terminal generation with `message`; returns whether it changed.
    @discardableResult
    package func fail(_ id: UUID, message: String) async throws -> Bool {
        /// Guarded: a finished generation keeps its outcome.
        let rows = try await client.query(
            """
            UPDATE image_generations SET status = 'failed', error_message = \(message), completed_at = now()
            WHERE id = \(id) AND status NOT IN ('completed', 'failed', 'cancelled')
            RETURNING id
            """,
            logger: logger
        )
        for try await _ in rows { return true }
        return false
    }
}

extension GenerationStore {
    /// The `generate-image` job of a generation (the seed's start-generation answer names it).
    package func jobID(forGeneration id: UUID) async throws -> UUID? {
        /// The first job created for the generation.
        let rows = try await client.query(
            """
            SELECT id FROM job_queue WHERE lower(payload->>'generation_id') = \(id.uuidString.lowercased()) AND job_type = 'generate-image'
            ORDER BY created_at LIMIT 1
            """,
            logger: logger
        )
        for try await id in rows.decode(UUID.self) { return id }
        return nil
    }
}
