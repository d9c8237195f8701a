import Catalog
import Database
import Foundation
import JobQueue
import Logging
import PostgresNIO
import PublicAPI
import ServiceKit

/// Why a generation write was refused.
package enum GenerationStoreError: Error, Equatable {
    /// The same idempotency key was used before with a different body.
    case idempotencyKeyReused
    /// The generation this idempotency key made was deleted.
    case idempotencyKeyOfDeleted
    /// The user already has `running` generations that are not finished, the most allowed at once.
    case tooManyRunning(Int)
    /// This month's spend plus what running generations reserve (`committed`), with the request's `expected` cost, would
    /// pass the user's monthly `budget` (USD).
    case overBudget(committed: Double, budget: Double, expected: Double)
    /// A user's webhook secret could be neither made nor read.
    case noWebhookSecret
    /// The user's project already has `running` unfinished generations, its most at once.
    case projectTooManyRunning(Int)
    /// The request would take the user's project past its monthly `budget`.
    case projectOverBudget(committed: Double, budget: Double, expected: Double)
    /// The request would take the API key it came with past the key's monthly `budget`.
    case keyOverBudget(committed: Double, budget: Double, expected: Double)
}

/// A project's figures as a create found them under its lock.
struct ProjectLimits: Sendable {
    var running: Int
    var cap: Int?
    var committed: Double
    var budget: Double?
}

/// ONE statement (one commit), prepared once per connection: lock the user's count of unfinished generations (the
/// upsert waits for a concurrent create of the same user and then reads what it committed, so concurrent requests cannot
/// all pass the cap), then their project's and their API key's budget (when it has one) the same way; a project's own
/// user (its keys', whose id is the project's) answers to the project's limits alone. Then insert the generation and its generate-image job only below the cap and when this user has
/// not used the idempotency key (the unique index makes concurrent duplicates collapse to one row). The count itself is
/// kept by a trigger on every insert and status change. Always one row: the generation's columns and job id (NULLs when
/// nothing was inserted), then the running count.
private struct CreateGeneration: PostgresPreparedStatement {
    static let sql = """
        WITH running AS (
            INSERT INTO generation_slots AS s (user_id) VALUES ($1)
            ON CONFLICT (user_id) DO UPDATE SET running = s.running
            RETURNING s.running::int8 AS n,
                CASE WHEN s.spent_month = imagegen_budget_month(now()) THEN s.spent_usd ELSE 0 END + s.reserved_usd AS committed,
                coalesce(s.monthly_budget_usd, $23::float8::numeric) AS budget
        ), member AS (
            SELECT m.project_id, p.monthly_budget_usd AS budget, p.max_running AS cap
            FROM project_members m JOIN projects p ON p.id = m.project_id WHERE m.user_id = $1
        ), project AS (
            INSERT INTO project_slots AS ps (project_id) SELECT project_id FROM member
            ON CONFLICT (project_id) DO UPDATE SET running = ps.running
            RETURNING ps.project_id, ps.running::int8 AS n,
                CASE WHEN ps.spent_month = imagegen_budget_month(now()) THEN ps.spent_usd ELSE 0 END + ps.reserved_usd AS committed
        ), project_limits AS (
            SELECT project.project_id, project.n, project.committed, member.budget, member.cap,
                   (member.cap IS NOT NULL AND project.n >= member.cap)
                   OR (member.budget IS NOT NULL AND project.committed + $22::float8::numeric > member.budget) AS refused
            FROM project JOIN member USING (project_id)
        ), own AS (
            SELECT EXISTS (SELECT 1 FROM member WHERE project_id = $1) AS project_user
        ), key_limits AS (
            UPDATE api_key_slots AS ks SET reserved_usd = ks.reserved_usd FROM api_keys k
            WHERE ks.api_key_id = $30 AND k.id = ks.api_key_id AND k.monthly_budget_usd IS NOT NULL
            RETURNING CASE WHEN ks.spent_month = imagegen_budget_month(now()) THEN ks.spent_usd ELSE 0 END + ks.reserved_usd AS committed,
                      k.monthly_budget_usd AS budget
        ), generation AS (
            INSERT INTO image_generations (
                user_id, prompt, negative_prompt, model, model_id, model_version, style, width, height, steps, guidance_scale,
                seed, source_image_url, strength, num_outputs, priority, status, idempotency_key, request_hash, webhook,
                webhook_events_filter, expected_cost, model_alias, trace_context, deadline_at, mask_image_url, safety_level, output_format,
                api_key_id, price_usd, project_id
            )
            SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, '\(GenerationTransition.create.to.rawValue)',
                   $17, $18, $20, $21, $22, $24, $25, $26, $27, $28, $29, $30, $31::float8::numeric, (SELECT project_id FROM project_limits)
            FROM running, own
            WHERE (own.project_user OR (running.n < $19 AND (running.budget IS NULL OR running.committed + $22::float8::numeric <= running.budget)))
                AND NOT coalesce((SELECT refused FROM project_limits), false)
                AND NOT coalesce((SELECT committed + $22::float8::numeric > budget FROM key_limits), false)
            ON CONFLICT (user_id, idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING
            RETURNING *
        ), job AS (
            \(JobQueue.insertSQL(
                type: "'\(GenerateImage.name)'", payload: GenerationJobPayload.sql(generationID: "id", userID: "user_id"),
                priority: "priority", dedupeKey: GenerateImage.dedupeKeySQL("id"), fairRank: "(SELECT n FROM running)",
                traceContext: "trace_context", from: "generation"
            ))
        )
        SELECT \(Generation.columns), (SELECT id FROM job) AS job_id, running.n AS running, running.committed::float8 AS committed,
               running.budget::float8 AS budget, project_limits.n AS project_running, project_limits.cap AS project_cap,
               project_limits.committed::float8 AS project_committed, project_limits.budget::float8 AS project_budget,
               own.project_user, key_limits.committed::float8 AS key_committed, key_limits.budget::float8 AS key_budget
        FROM running CROSS JOIN own LEFT JOIN generation ON true LEFT JOIN project_limits ON true LEFT JOIN key_limits ON true
        """
    static let bindingDataTypes: [PostgresDataType] = [
        .uuid, .text, .text, .text, .text, .text, .text, .int8, .int8, .int8, .float8, .int8, .text, .float8, .int8, .int8, .text,
        .text, .int8, .text, .textArray, .float8, .float8, .text, .text, .timestamptz, .text, .text, .text, .uuid, .float8,
    ]
    typealias Row = PostgresRow

    var userID: UUID
    var request: GenerationRequest
    var model: String
    var steps: Int
    var guidance: Double
    var cap: Int
    var idempotencyKey: String?
    var requestHash: String
    /// The API key the request came with (nil: a user token).
    var apiKeyID: UUID?
    /// What the request is expected to cost (it reserves this while it runs), and the default monthly budget.
    var expectedCost: Double
    var budget: Double?
    /// The request's trace, carried by the job to every service that works on the generation.
    var traceContext = TraceContext.current()

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 31)
        try bindings.append(userID)
        try bindings.append(request.prompt)
        try bindings.append(request.negativePrompt)
        try bindings.append(model)
        try bindings.append(request.modelId)
        try bindings.append(request.modelVersion)
        try bindings.append(request.style)
        try bindings.append(request.width)
        try bindings.append(request.height)
        try bindings.append(steps)
        try bindings.append(guidance)
        try bindings.append(request.seed)
        try bindings.append(request.sourceImageUrl)
        try bindings.append(request.strength)
        try bindings.append(request.numOutputs)
        try bindings.append(request.priority)
        try bindings.append(idempotencyKey)
        try bindings.append(requestHash)
        try bindings.append(cap)
        try bindings.append(request.webhook)
        try bindings.append(request.webhookEventsFilter)
        try bindings.append(expectedCost)
        try bindings.append(budget)
        try bindings.append(request.modelAlias)
        try bindings.append(traceContext)
        try bindings.append(request.deadline)
        try bindings.append(request.maskImageUrl)
        try bindings.append(request.safetyLevel?.rawValue)
        try bindings.append(request.outputFormat)
        try bindings.append(apiKeyID)
        try bindings.append(request.priceUsd)
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> PostgresRow { row }
}

/// One generation, scoped to its owner when one is given (prepared: every job starts with it).
private struct FindGeneration: PostgresPreparedStatement {
    static let sql =
        "SELECT \(Generation.columns) FROM image_generations WHERE id = $1 AND ($2::uuid IS NULL OR (user_id = $2::uuid AND deleted_at IS NULL))"
    static let bindingDataTypes: [PostgresDataType] = [.uuid, .uuid]
    var id: UUID, userID: UUID?

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 2)
        try bindings.append(id)
        try bindings.append(userID)
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> Generation { try Generation(row: row) }
}

/// One generation of its owner with its generate-image job's place in the claim order while that job waits (prepared:
/// every poll of a generation reads it).
private struct FindShownGeneration: PostgresPreparedStatement {
    static let sql = """
        SELECT \(Generation.columns.split(separator: ",").map { "g." + $0.trimmingCharacters(in: .whitespacesAndNewlines) }.joined(separator: ", ")),
               k.priority AS claim_priority, k.fair_rank AS claim_fair_rank, k.run_at AS claim_run_at, k.id AS claim_id
        FROM image_generations AS g
        LEFT JOIN LATERAL (\(JobQueue.claimKeySQL(dedupeKey: GenerateImage.dedupeKeySQL("g.id")))) AS k ON g.status IN ('pending', 'queued')
        WHERE g.id = $1 AND g.user_id = $2 AND g.deleted_at IS NULL
        """
    static let bindingDataTypes: [PostgresDataType] = [.uuid, .uuid]
    var id: UUID, userID: UUID

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 2)
        try bindings.append(id)
        try bindings.append(userID)
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> (Generation, ClaimKey?) {
        let columns = row.makeRandomAccess()
        let key = try columns["claim_id"].decode(UUID?.self).map { id in
            ClaimKey(
                priority: try columns["claim_priority"].decode(Int.self), fairRank: try columns["claim_fair_rank"].decode(Int.self),
                runAt: try columns["claim_run_at"].decode(Date.self), id: id)
        }
        return (try Generation(row: row), key)
    }
}

/// SQL for generations and their images. Every status change is guarded in its `WHERE` clause.
package struct GenerationStore: Sendable {
    package let client: PostgresClient
    package let logger: Logger

    package init(client: PostgresClient, logger: Logger) {
        self.client = client
        self.logger = logger
    }

    /// Inserts a queued generation and its `generate-image` job atomically, unless `userID` already has `maxRunning`
    /// unfinished generations (``GenerationStoreError/tooManyRunning(_:)``). With an idempotency key, a repeat of the same
    /// body returns the original (`created == false`), even at the cap, and a different body throws
    /// ``GenerationStoreError/idempotencyKeyReused``.
    /// With `monthlyBudget` (or the user's own budget), a request whose expected cost would take this month's spend plus
    /// what running generations reserve past it is refused (``GenerationStoreError/overBudget(committed:budget:expected:)``),
    /// checked under the same row lock as the cap.
    package func create(
        _ request: GenerationRequest, userID: UUID, maxRunning: Int = .max, monthlyBudget: Double? = nil, idempotencyKey: String?,
        requestHash: String, apiKeyID: UUID? = nil
    ) async throws -> (generation: Generation, jobID: UUID?, created: Bool) {
        let model = ModelCatalog.model(request.modelId)
        let steps = request.numInferenceSteps ?? model.flatMap { $0.field($0.stepsInput ?? "")?.defaultValue?.number }.map { Int($0) } ?? 0
        let guidance = request.guidanceScale ?? model.flatMap { $0.field($0.guidanceInput ?? "")?.defaultValue?.number } ?? 0
        let modelName = String(request.modelId.split(separator: "/").last ?? Substring(request.modelId))
        let expected = request.expectedCost
        let statement = CreateGeneration(
            userID: userID, request: request, model: modelName, steps: steps, guidance: guidance, cap: maxRunning,
            idempotencyKey: idempotencyKey, requestHash: requestHash, apiKeyID: apiKeyID, expectedCost: expected, budget: monthlyBudget
        )
        typealias Refusal = (running: Int, committed: Double, budget: Double?, project: ProjectLimits?, projectUser: Bool, key: (Double, Double)?)
        let (created, refusal): ((Generation, UUID?)?, Refusal) = try await client.withPublishedNotifications(logger: logger) { connection in
            for try await row in try await connection.run(statement, logger: logger) {
                let columns = row.makeRandomAccess()
                let project = try columns["project_running"].decode(Int?.self).map { running in
                    ProjectLimits(
                        running: running, cap: try columns["project_cap"].decode(Int?.self),
                        committed: try columns["project_committed"].decode(Double.self), budget: try columns["project_budget"].decode(Double?.self))
                }
                let key = try columns["key_budget"].decode(Double?.self).map { (try columns["key_committed"].decode(Double.self), $0) }
                let refusal = (
                    try columns["running"].decode(Int.self), try columns["committed"].decode(Double.self), try columns["budget"].decode(Double?.self),
                    project, try columns["project_user"].decode(Bool.self), key
                )
                guard try columns["id"].decode(UUID?.self) != nil else { return (nil, refusal) }
                return ((try Generation(row: row), try columns["job_id"].decode(UUID?.self)), refusal)
            }
            return (nil, (0, 0, nil, nil, false, nil))
        }
        if let (generation, jobID) = created { return (generation, jobID, true) }
        /// Nothing inserted: a repeat of an idempotency key returns that generation if the body matches.
        if let idempotencyKey, let existing = try await replay(userID: userID, idempotencyKey: idempotencyKey, requestHash: requestHash) {
            return (existing, nil, false)
        }
        if !refusal.projectUser {
            if refusal.running >= maxRunning { throw GenerationStoreError.tooManyRunning(refusal.running) }
            if let budget = refusal.budget, refusal.committed + expected > budget + 1e-9 {
                throw GenerationStoreError.overBudget(committed: refusal.committed, budget: budget, expected: expected)
            }
        }
        if let (committed, budget) = refusal.key, committed + expected > budget + 1e-9 {
            throw GenerationStoreError.keyOverBudget(committed: committed, budget: budget, expected: expected)
        }
        if let project = refusal.project {
            if let cap = project.cap, project.running >= cap { throw GenerationStoreError.projectTooManyRunning(project.running) }
            if let budget = project.budget {
                throw GenerationStoreError.projectOverBudget(committed: project.committed, budget: budget, expected: expected)
            }
        }
        throw GenerationStoreError.tooManyRunning(refusal.running)
    }

    /// The generation `userID` made with `idempotencyKey`, if any: a repeat of that request (`requestHash` the same) is
    /// answered with it; another body with the key, or a key whose generation was deleted, throws.
    package func replay(userID: UUID, idempotencyKey: String, requestHash: String) async throws -> Generation? {
        let existing = try await client.query(
            """
            SELECT \(unescaped: Generation.columns), request_hash, deleted_at IS NOT NULL AS deleted FROM image_generations
            WHERE user_id = \(userID) AND idempotency_key = \(idempotencyKey)
            """,
            logger: logger
        )
        for try await row in existing {
            let columns = row.makeRandomAccess()
            // A deleted generation never comes back, not even to a replay of the request that made it.
            if try columns["deleted"].decode(Bool.self) { throw GenerationStoreError.idempotencyKeyOfDeleted }
            guard try columns["request_hash"].decode(String?.self) == requestHash else { throw GenerationStoreError.idempotencyKeyReused }
            return try Generation(row: row)
        }
        return nil
    }

    /// The generation `id`, only if `userID` owns it (when given).
    package func find(_ id: UUID, userID: UUID? = nil) async throws -> Generation? {
        for try await generation in try await client.run(FindGeneration(id: id, userID: userID), logger: logger) { return generation }
        return nil
    }

    /// `userID`'s generation `id` with, while it waits to start, its job's place in the claim order (one statement).
    package func findShown(_ id: UUID, userID: UUID) async throws -> (generation: Generation, claimKey: ClaimKey?)? {
        for try await found in try await client.run(FindShownGeneration(id: id, userID: userID), logger: logger) { return found }
        return nil
    }

    /// A page of `userID`'s generations, newest first, strictly after generation `cursor` in that order.
    package func list(userID: UUID, status: GenerationStatus?, limit: Int, after cursor: UUID?) async throws -> [Generation] {
        /// Keyset pagination over (created_at DESC, id DESC): stable while rows are inserted.
        let rows = try await client.query(
            """
            SELECT \(unescaped: Generation.columns) FROM image_generations
            WHERE user_id = \(userID) AND deleted_at IS NULL
              AND (\(status?.rawValue)::text IS NULL OR status = \(status?.rawValue)::text)
              AND (\(cursor)::uuid IS NULL
                   OR (created_at, id) < (SELECT created_at, id FROM image_generations WHERE id = \(cursor)::uuid AND user_id = \(userID)))
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

    /// The stored outputs of several generations (a listed page), by generation, in output order.
    package func images(of ids: [UUID]) async throws -> [UUID: [StoredImage]] {
        guard !ids.isEmpty else { return [:] }
        let rows = try await client.query(
            "SELECT \(unescaped: StoredImage.columns) FROM images WHERE generation_id = ANY(\(ids)) ORDER BY generation_id, output_index",
            logger: logger
        )
        var images: [UUID: [StoredImage]] = [:]
        for try await row in rows {
            let image = try StoredImage(row: row)
            images[image.generationId, default: []].append(image)
        }
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
    /// or nil when it does not exist for this user. A terminal generation is returned unchanged. When a prediction is
    /// recorded, its pending `generate-image` job is kept and made runnable at once instead, so the generator cancels the
    /// prediction at Replicate.
    package func cancel(_ id: UUID, userID: UUID) async throws -> (generation: Generation, changed: Bool)? {
        let cancelled: Generation? = try await client.withNotifyingTransaction(logger: logger) { connection in
            /// Cancel only what is not finished.
            let rows = try await connection.query(
                """
                UPDATE image_generations
                SET \(unescaped: GenerationTransition.cancel.setSQL), error_code = \(GenerationFailure.cancelled.code),
                    error_message = \(GenerationFailure.cancelled.message), completed_at = now(), \(unescaped: Self.costPendingSQL)
                WHERE id = \(id) AND user_id = \(userID) AND \(unescaped: GenerationTransition.cancel.guardSQL)
                RETURNING \(unescaped: Generation.columns)
                """,
                logger: logger
            )
            var cancelled: Generation?
            for try await row in rows { cancelled = try Generation(row: row) }
            guard let cancelled else { return nil }
            if cancelled.replicatePredictionId != nil {
                // A prediction may be running at Replicate, billed: its job runs now (not after its backoff) to cancel it.
                try await JobQueue.runPendingNow(dedupeKeys: [GenerateImage.dedupeKey(id)], on: connection, logger: logger)
                try await JobQueue.cancelPending(dedupeKeys: [DownloadImage.dedupeKey(id)], on: connection, logger: logger)
            } else {
                // Pending work for it will never run.
                try await JobQueue.cancelPending(
                    dedupeKeys: [GenerateImage.dedupeKey(id), DownloadImage.dedupeKey(id)], on: connection, logger: logger
                )
            }
            return cancelled
        }
        if let cancelled { return (cancelled, true) }
        return try await find(id, userID: userID).map { ($0, false) }
    }

    /// Deletes `userID`'s generation: cancels it if unfinished, removes its image rows and tombstones it, recording a
    /// `deleted` event and enqueueing a `delete-files` job for the downloader, in one transaction. Returns the storage
    /// paths of the removed images, or nil when the user has no such generation. Deleting again returns no paths.
    package func delete(_ id: UUID, userID: UUID) async throws -> [String]? {
        _ = try await cancel(id, userID: userID)
        if let paths = try await delete([id], userID: userID)[id] { return paths }
        // Deleted before (204 again), or never this user's (404).
        let rows = try await client.query("SELECT 1 FROM image_generations WHERE id = \(id) AND user_id = \(userID)", logger: logger)
        for try await _ in rows { return [] }
        return nil
    }

    /// Deletes `userID`'s finished generations `ids` as ``delete(_:userID:)`` does, a few statements for all of them (a
    /// batch's 10,000 too); returns the storage paths removed by generation, for those not deleted before.
    package func delete(_ ids: [UUID], userID: UUID) async throws -> [UUID: [String]] {
        try await client.withNotifyingTransaction(logger: logger) { connection in
            var fresh: [UUID: (status: String, progress: Int)] = [:]
            for try await (id, status, progress) in try await connection.query(
                """
                SELECT id, status, progress FROM image_generations
                WHERE id = ANY(\(ids)::uuid[]) AND user_id = \(userID) AND deleted_at IS NULL FOR UPDATE
                """,
                logger: logger
            ).decode((UUID, String, Int).self) { fresh[id] = (status, progress) }
            guard !fresh.isEmpty else { return [:] }
            let doomed = Array(fresh.keys)
            var paths: [UUID: [String]] = Dictionary(uniqueKeysWithValues: doomed.map { ($0, []) })
            for try await (generation, path) in try await connection.query(
                "DELETE FROM images WHERE generation_id = ANY(\(doomed)::uuid[]) RETURNING generation_id, storage_path", logger: logger
            ).decode((UUID, String).self) { paths[generation, default: []].append(path) }
            // A deletion forgets the content: what the user asked for, what came back and where it was to be told, kept
            // only as far as usage and spend need (model, counts, cost, times).
            let counted = doomed.map { paths[$0]?.count ?? 0 }
            try await connection.query(
                """
                UPDATE image_generations AS g
                SET deleted_at = now(), deleted_images = d.images, prompt = '', negative_prompt = NULL, style = NULL, seed = NULL,
                    source_image_url = NULL, mask_image_url = NULL, output_urls = NULL, webhook = NULL, webhook_events_filter = NULL, error_message = NULL,
                    trace_context = NULL
                FROM unnest(\(doomed)::uuid[], \(counted)::int[]) AS d(id, images)
                WHERE g.id = d.id
                """,
                logger: logger
            )
            try await connection.query(
                "UPDATE generation_events SET error_message = NULL WHERE generation_id = ANY(\(doomed)::uuid[])", logger: logger)
            try await connection.query("DELETE FROM webhook_deliveries WHERE generation_id = ANY(\(doomed)::uuid[])", logger: logger)
            try await connection.query("DELETE FROM stream_tokens WHERE generation_id = ANY(\(doomed)::uuid[])", logger: logger)
            // The downloader owns the files: it removes them, whatever the gateway may write.
            let jobs = try paths.filter { !$0.value.isEmpty }.map {
                try NewJob(DeleteFiles.self, payload: .init(generationId: $0.key, paths: $0.value))
            }
            if !jobs.isEmpty { _ = try await JobQueue.enqueue(jobs, on: connection, logger: logger) }
            try await connection.query(
                """
                INSERT INTO generation_events (generation_id, status, progress, event)
                SELECT id, status, progress, 'deleted' FROM unnest(\(doomed)::uuid[], \(doomed.map { fresh[$0]!.status })::text[],
                                                                  \(doomed.map { fresh[$0]!.progress })::int[]) AS d(id, status, progress)
                """,
                logger: logger
            )
            return paths
        }
    }

    /// Fails a non-terminal generation, whoever holds it; returns whether it changed.
    @discardableResult
    package func fail(_ id: UUID, _ failure: GenerationFailure) async throws -> Bool {
        try await client.withPublishedNotifications(logger: logger) { try await Self.fail(id, failure, lease: nil, on: $0, logger: logger) }
    }
}

extension GenerationStore {
    /// The `generate-image` job of a generation (the legacy start-generation answer names it).
    package func jobID(forGeneration id: UUID) async throws -> UUID? {
        try await JobQueue(client: client, logger: logger).firstJob(dedupeKey: GenerateImage.dedupeKey(id))
    }
}
