import Catalog
import Database
import Foundation
import JobQueue
import Logging
import PostgresNIO
import PublicAPI
import ServiceKit
import WireFormat

/// A batch row with what its items add up to.
package struct Batch: Sendable, Equatable {
    package var id: UUID
    package var userId: UUID
    package var itemCount: Int
    package var expectedCost: Double
    package var createdAt: Date
    package var cancelledAt: Date?
    /// Where its `batch.completed` event is posted, if anywhere.
    package var webhook: String?
    /// Items by status.
    package var counts: BatchCounts
    /// What its finished items cost so far.
    package var cost: Double
    /// When its last item finished, once all have.
    package var lastCompletedAt: Date?

    /// How many items are not finished.
    package var unfinished: Int { GenerationStatus.allCases.filter { !$0.isTerminal }.map { counts[$0] }.reduce(0, +) }

    /// This batch as the API shows it (`GET /v1/batches/{id}`, lists, and its `batch.completed` webhook).
    package func body(estimatedCompletionAt: Date? = nil) -> BatchBody {
        let status: BatchStatus = cancelledAt != nil ? .cancelled : unfinished > 0 ? .running : .completed
        return BatchBody(
            id: id, status: status, itemCount: itemCount, counts: counts, costUsd: cost, expectedCostUsd: expectedCost, createdAt: createdAt,
            cancelledAt: cancelledAt, completedAt: lastCompletedAt, estimatedCompletionAt: estimatedCompletionAt, webhook: webhook)
    }
}

/// A batch's statement wrote fewer rows than it has items (its transaction is rolled back).
package enum BatchStoreError: Error {
    case incomplete(generations: Int, jobs: Int, items: Int)
}

/// SQL for batches: many generations made by one request, in one statement (`POST /v1/batches`).
package struct BatchStore: Sendable {
    package let client: PostgresClient
    package let logger: Logger

    package init(client: PostgresClient, logger: Logger) {
        self.client = client
        self.logger = logger
    }

    /// How far below an interactive request a batch item's job is claimed: its own priority (0–10) less this, so every
    /// batch item comes after every interactive request and a batch keeps its items' order among themselves.
    package static let lane = 11

    /// Creates `requests` as one batch of `userID`'s: its row, every generation (carrying `batch_id` and its index) and
    /// every `generate-image` job, in one transaction of a few statements, none per item. Items claim fairly: the n-th
    /// item of every batch ranks n, so one user's 10,000 do not keep another's batch waiting. The whole batch's expected
    /// cost must fit the user's monthly budget (else ``GenerationStoreError/overBudget(committed:budget:expected:)``,
    /// nothing written), and their project's and API key's the same way (a project's own user: the project's alone). A repeated idempotency key returns the batch it made (created false) when the body matches.
    package func create(
        _ requests: [GenerationRequest], userID: UUID, webhook: String? = nil, monthlyBudget: Double?, idempotencyKey: String?,
        requestHash: String, apiKeyID: UUID? = nil
    ) async throws -> (id: UUID, created: Bool) {
        var items: [JSONValue] = []
        items.reserveCapacity(requests.count)
        var expected = 0.0
        for (index, request) in requests.enumerated() {
            let item = Self.item(request, index: index)
            expected += item.cost
            items.append(item.json)
        }
        let payload = String(decoding: try JSONCoding.encoder().encode(JSONValue.array(items)), as: UTF8.self)
        let trace = TraceContext.current()
        enum Made: Sendable {
            case created(UUID)
            case existing
            case overBudget(committed: Double, budget: Double)
            case projectOverBudget(committed: Double, budget: Double)
            case keyOverBudget(committed: Double, budget: Double)
        }
        let made: Made = try await client.withNotifyingTransaction(logger: logger) { connection in
            // The user's slot row, locked for the rest of the transaction: what is spent and reserved cannot change
            // under the budget check.
            let slot = try await connection.query(
                """
                INSERT INTO generation_slots AS s (user_id) VALUES (\(userID))
                ON CONFLICT (user_id) DO UPDATE SET running = s.running
                RETURNING (CASE WHEN s.spent_month = imagegen_budget_month(now()) THEN s.spent_usd ELSE 0 END + s.reserved_usd)::float8,
                          CASE WHEN NOT EXISTS (SELECT 1 FROM projects WHERE id = s.user_id)
                               THEN coalesce(s.monthly_budget_usd, \(monthlyBudget)::float8::numeric) END::float8
                """,
                logger: logger
            )
            for try await (committed, budget) in slot.decode((Double, Double?).self) {
                if let budget, committed + expected > budget + 1e-9 { return .overBudget(committed: committed, budget: budget) }
            }
            // The user's project's slot, locked after the user's (as a single create does), under the project's budget.
            let project = try await connection.query(
                """
                INSERT INTO project_slots AS ps (project_id)
                SELECT m.project_id FROM project_members m WHERE m.user_id = \(userID)
                ON CONFLICT (project_id) DO UPDATE SET running = ps.running
                RETURNING (CASE WHEN ps.spent_month = imagegen_budget_month(now()) THEN ps.spent_usd ELSE 0 END + ps.reserved_usd)::float8,
                          (SELECT monthly_budget_usd FROM projects WHERE id = ps.project_id)::float8
                """,
                logger: logger
            )
            for try await (committed, budget) in project.decode((Double, Double?).self) {
                if let budget, committed + expected > budget + 1e-9 { return .projectOverBudget(committed: committed, budget: budget) }
            }
            // The API key's budget, when it has one, locked last.
            let key = try await connection.query(
                """
                UPDATE api_key_slots AS ks SET reserved_usd = ks.reserved_usd FROM api_keys k
                WHERE ks.api_key_id = \(apiKeyID) AND k.id = ks.api_key_id AND k.monthly_budget_usd IS NOT NULL
                RETURNING (CASE WHEN ks.spent_month = imagegen_budget_month(now()) THEN ks.spent_usd ELSE 0 END + ks.reserved_usd)::float8,
                          k.monthly_budget_usd::float8
                """,
                logger: logger
            )
            for try await (committed, budget) in key.decode((Double, Double).self) where committed + expected > budget + 1e-9 {
                return .keyOverBudget(committed: committed, budget: budget)
            }
            var batchID: UUID?
            for try await id in try await connection.query(
                """
                INSERT INTO batches (user_id, item_count, unfinished, expected_cost, webhook, idempotency_key, request_hash)
                VALUES (\(userID), \(requests.count), \(requests.count), \(expected)::float8::numeric, \(webhook), \(idempotencyKey), \(requestHash))
                ON CONFLICT (user_id, idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING
                RETURNING id
                """,
                logger: logger
            ).decode(UUID.self) { batchID = id }
            guard let batchID else { return .existing }
            let made = try await connection.query(
                """
                WITH generation AS (
                    INSERT INTO image_generations (
                        user_id, prompt, negative_prompt, model, model_id, model_version, style, width, height, steps, guidance_scale,
                        seed, source_image_url, strength, num_outputs, priority, status, webhook, webhook_events_filter, expected_cost,
                        model_alias, trace_context, deadline_at, batch_id, batch_index, mask_image_url, safety_level, output_format, api_key_id,
                        price_usd, project_id
                    )
                    SELECT \(userID), i.prompt, i.negative_prompt, i.model, i.model_id, i.model_version, i.style, i.width, i.height, i.steps,
                           i.guidance_scale, i.seed, i.source_image_url, i.strength, i.num_outputs, i.priority,
                           '\(unescaped: GenerationTransition.create.to.rawValue)', i.webhook, i.webhook_events_filter, i.expected_cost,
                           i.model_alias, \(trace), i.deadline_at, \(batchID), i.batch_index, i.mask_image_url, i.safety_level,
                           i.output_format, \(apiKeyID), i.price_usd::numeric,
                           (SELECT project_id FROM project_members WHERE user_id = \(userID))
                    FROM jsonb_to_recordset(\(payload)::jsonb) AS i(
                        prompt text, negative_prompt text, model text, model_id text, model_version text, style text, width int,
                        height int, steps int, guidance_scale float8, seed int8, source_image_url text, strength float8, num_outputs int,
                        priority int, webhook text, webhook_events_filter text[], expected_cost float8, model_alias text,
                        deadline_at timestamptz, batch_index int, mask_image_url text, safety_level text, output_format text,
                        price_usd float8
                    )
                    RETURNING id, user_id, priority, batch_index, trace_context
                ), job AS (
                    \(unescaped: JobQueue.insertSQL(
                        type: "'\(GenerateImage.name)'", payload: GenerationJobPayload.sql(generationID: "id", userID: "user_id"),
                        priority: "priority - \(Self.lane)", dedupeKey: GenerateImage.dedupeKeySQL("id"), fairRank: "batch_index",
                        traceContext: "trace_context", from: "generation"
                    ))
                )
                SELECT (SELECT count(*) FROM generation)::int8, (SELECT count(*) FROM job)::int8
                """,
                logger: logger
            )
            for try await (generations, jobs) in made.decode((Int, Int).self) where generations != requests.count || jobs != requests.count {
                throw BatchStoreError.incomplete(generations: generations, jobs: jobs, items: requests.count)
            }
            return .created(batchID)
        }
        switch made {
        case .created(let id): return (id, true)
        case .overBudget(let committed, let budget): throw GenerationStoreError.overBudget(committed: committed, budget: budget, expected: expected)
        case .projectOverBudget(let committed, let budget):
            throw GenerationStoreError.projectOverBudget(committed: committed, budget: budget, expected: expected)
        case .keyOverBudget(let committed, let budget):
            throw GenerationStoreError.keyOverBudget(committed: committed, budget: budget, expected: expected)
        case .existing: break
        }
        // Nothing inserted: the idempotency key made a batch before.
        guard let idempotencyKey, let id = try await replay(userID: userID, idempotencyKey: idempotencyKey, requestHash: requestHash) else {
            throw GenerationStoreError.idempotencyKeyReused
        }
        return (id, false)
    }

    /// The batch `idempotencyKey` made for `userID`, when the request is the same (`requestHash`); nil when the key made
    /// none. A key used with another request, or whose batch was deleted, throws.
    package func replay(userID: UUID, idempotencyKey: String, requestHash: String) async throws -> UUID? {
        let rows = try await client.query(
            "SELECT id, request_hash, deleted_at IS NOT NULL FROM batches WHERE user_id = \(userID) AND idempotency_key = \(idempotencyKey)",
            logger: logger
        )
        var found: (UUID, String, Bool)?
        for try await row in rows.decode((UUID, String, Bool).self) { found = row }
        guard let (id, hash, deleted) = found else { return nil }
        if deleted { throw GenerationStoreError.idempotencyKeyOfDeleted }
        guard hash == requestHash else { throw GenerationStoreError.idempotencyKeyReused }
        return id
    }

    /// One item's columns (as `jsonb_to_recordset` reads them) and expected cost, resolved as a single create resolves them.
    private static func item(_ request: GenerationRequest, index: Int) -> (json: JSONValue, cost: Double) {
        let model = ModelCatalog.model(request.modelId)
        let steps = request.numInferenceSteps ?? model.flatMap { $0.field($0.stepsInput ?? "")?.defaultValue?.number }.map { Int($0) } ?? 0
        let guidance = request.guidanceScale ?? model.flatMap { $0.field($0.guidanceInput ?? "")?.defaultValue?.number } ?? 0
        let cost = request.expectedCost
        func text(_ value: String?) -> JSONValue { value.map { .string($0) } ?? .null }
        var fields: [String: JSONValue] = [
            "prompt": .string(request.prompt), "negative_prompt": text(request.negativePrompt),
            "model": .string(String(request.modelId.split(separator: "/").last ?? Substring(request.modelId))),
            "model_id": .string(request.modelId), "model_version": text(request.modelVersion), "style": text(request.style),
            "width": .int(request.width), "height": .int(request.height), "steps": .int(steps), "guidance_scale": .double(guidance),
            "seed": request.seed.map { .int($0) } ?? .null, "source_image_url": text(request.sourceImageUrl),
            "mask_image_url": text(request.maskImageUrl), "safety_level": text(request.safetyLevel?.rawValue),
            "output_format": text(request.outputFormat),
            "strength": request.strength.map { .double($0) } ?? .null, "num_outputs": .int(request.numOutputs),
            "priority": .int(request.priority), "webhook": text(request.webhook), "expected_cost": .double(cost),
            "model_alias": text(request.modelAlias), "batch_index": .int(index), "price_usd": request.priceUsd.map { .double($0) } ?? .null,
        ]
        fields["webhook_events_filter"] = request.webhookEventsFilter.map { .array($0.map { .string($0) }) } ?? .null
        fields["deadline_at"] = request.deadline.map { .string(Timestamp.format($0)) } ?? .null
        return (.object(fields), cost)
    }

    /// `userID`'s batch `id` (nil when it has none such, or deleted it).
    package func find(_ id: UUID, userID: UUID) async throws -> Batch? {
        try await list(userID: userID, ids: [id], limit: 1, after: nil).first
    }

    /// A page of `userID`'s batches, newest first, strictly after batch `cursor` (only `ids` when given), each with its
    /// items' counts and cost (one grouped query for the page).
    package func list(userID: UUID, ids: [UUID]? = nil, limit: Int, after cursor: UUID?) async throws -> [Batch] {
        let rows = try await client.query(
            """
            SELECT id, user_id, item_count, expected_cost::float8, created_at, cancelled_at, webhook FROM batches
            WHERE user_id = \(userID) AND deleted_at IS NULL AND (\(ids)::uuid[] IS NULL OR id = ANY(\(ids)::uuid[]))
              AND (\(cursor)::uuid IS NULL
                   OR (created_at, id) < (SELECT created_at, id FROM batches WHERE id = \(cursor)::uuid AND user_id = \(userID)))
            ORDER BY created_at DESC, id DESC
            LIMIT \(limit)
            """,
            logger: logger
        )
        var batches: [Batch] = []
        for try await (id, user, count, expected, created, cancelled, webhook) in rows.decode(
            (UUID, UUID, Int, Double, Date, Date?, String?).self)
        {
            batches.append(
                Batch(
                    id: id, userId: user, itemCount: count, expectedCost: expected, createdAt: created, cancelledAt: cancelled, webhook: webhook,
                    counts: BatchCounts(),
                    cost: 0, lastCompletedAt: nil))
        }
        guard !batches.isEmpty else { return [] }
        let totals = try await client.query(
            """
            SELECT batch_id, status, count(*)::int8, coalesce(sum(cost), 0)::float8, max(completed_at) FROM image_generations
            WHERE batch_id = ANY(\(batches.map(\.id))::uuid[]) GROUP BY batch_id, status
            """,
            logger: logger
        )
        let index = Dictionary(uniqueKeysWithValues: batches.enumerated().map { ($1.id, $0) })
        for try await (id, status, count, cost, completed) in totals.decode((UUID, String, Int, Double, Date?).self) {
            guard let at = index[id], let status = GenerationStatus(rawValue: status) else { continue }
            batches[at].counts[status] = count
            batches[at].cost += cost
            if let completed { batches[at].lastCompletedAt = max(batches[at].lastCompletedAt ?? completed, completed) }
        }
        for at in batches.indices where batches[at].unfinished > 0 { batches[at].lastCompletedAt = nil }
        return batches
    }

    /// Items of batch `id` from index `after` + 1 on, in order, at most `limit`, with their images.
    package func items(of id: UUID, after: Int, limit: Int) async throws -> [(index: Int, generation: Generation)] {
        let rows = try await client.query(
            """
            SELECT batch_index, \(unescaped: Generation.columns) FROM image_generations
            WHERE batch_id = \(id) AND batch_index > \(after) ORDER BY batch_index LIMIT \(limit)
            """,
            logger: logger
        )
        var items: [(Int, Generation)] = []
        for try await row in rows { items.append((try row.makeRandomAccess()["batch_index"].decode(Int.self), try Generation(row: row))) }
        return items
    }

    /// Cancels every unfinished item of `userID`'s batch `id` (finished ones stay as they are) and marks the batch
    /// cancelled; items whose prediction may be running have their jobs run now, so the generator cancels it at
    /// Replicate. Returns how many items it cancelled, or nil when the user has no such batch.
    ///
    /// Items a worker is changing at that moment are passed over and taken in the next pass (a few, each its own short
    /// transaction): waiting for them while holding the batch's row, which their own change also updates (its count of
    /// unfinished items), would deadlock.
    package func cancel(_ id: UUID, userID: UUID) async throws -> Int? {
        var cancelled = 0
        for pass in 0..<20 {
            guard let (count, skipped) = try await cancelPass(id, userID: userID) else { return nil }
            cancelled += count
            if !skipped { break }
            try await Task.sleep(for: .milliseconds(50 * (pass + 1)))
        }
        return cancelled
    }

    /// One pass of ``cancel(_:userID:)``: how many it cancelled, and whether any unfinished item was locked and passed over.
    private func cancelPass(_ id: UUID, userID: UUID) async throws -> (cancelled: Int, skipped: Bool)? {
        try await client.withNotifyingTransaction(logger: logger) { connection in
            var found = false
            for try await _ in try await connection.query(
                """
                UPDATE batches SET cancelled_at = coalesce(cancelled_at, now())
                WHERE id = \(id) AND user_id = \(userID) AND deleted_at IS NULL RETURNING id
                """,
                logger: logger
            ) { found = true }
            guard found else { return nil }
            let rows = try await connection.query(
                """
                UPDATE image_generations
                SET \(unescaped: GenerationTransition.cancel.setSQL), error_code = \(GenerationFailure.cancelled.code),
                    error_message = \(GenerationFailure.cancelled.message), completed_at = now(), \(unescaped: GenerationStore.costPendingSQL)
                WHERE id IN (
                    SELECT id FROM image_generations
                    WHERE batch_id = \(id) AND \(unescaped: GenerationTransition.cancel.guardSQL)
                    FOR UPDATE SKIP LOCKED
                )
                RETURNING id, replicate_prediction_id IS NOT NULL
                """,
                logger: logger
            )
            var running: [String] = []
            var idle: [String] = []
            var downloads: [String] = []
            for try await (generation, started) in rows.decode((UUID, Bool).self) {
                if started { running.append(GenerateImage.dedupeKey(generation)) } else { idle.append(GenerateImage.dedupeKey(generation)) }
                downloads.append(DownloadImage.dedupeKey(generation))
            }
            try await JobQueue.runPendingNow(dedupeKeys: running, on: connection, logger: logger)
            try await JobQueue.cancelPending(dedupeKeys: idle + downloads, on: connection, logger: logger)
            var left = 0
            for try await count in try await connection.query(
                """
                SELECT count(*)::int8 FROM image_generations WHERE batch_id = \(id) AND \(unescaped: GenerationTransition.cancel.guardSQL)
                """,
                logger: logger
            ).decode(Int.self) { left = count }
            return (running.count + idle.count, left > 0)
        }
    }

    /// The ids of batch `id`'s items not deleted yet, in order.
    package func itemIDs(of id: UUID) async throws -> [UUID] {
        var ids: [UUID] = []
        for try await generation in try await client.query(
            "SELECT id FROM image_generations WHERE batch_id = \(id) AND deleted_at IS NULL ORDER BY batch_index", logger: logger
        ).decode(UUID.self) { ids.append(generation) }
        return ids
    }

    /// Marks `userID`'s batch `id` deleted (its items are deleted first, as generations); false when it has none such.
    package func markDeleted(_ id: UUID, userID: UUID) async throws -> Bool {
        let rows = try await client.query(
            "UPDATE batches SET deleted_at = now() WHERE id = \(id) AND user_id = \(userID) AND deleted_at IS NULL RETURNING id", logger: logger)
        for try await _ in rows { return true }
        return false
    }

    /// Batch `id`'s unfinished item of the highest index (the last to be claimed, or the last to finish), with its
    /// waiting job's claim key (nil once it started).
    package func lastUnfinished(of id: UUID) async throws -> (Generation, ClaimKey?)? {
        let rows = try await client.query(
            """
            SELECT \(unescaped: Generation.columns.split(separator: ",").map { "g." + $0.trimmingCharacters(in: .whitespacesAndNewlines) }.joined(separator: ", ")),
                   k.priority AS claim_priority, k.fair_rank AS claim_fair_rank, k.run_at AS claim_run_at, k.id AS claim_id
            FROM image_generations AS g
            LEFT JOIN LATERAL (\(unescaped: JobQueue.claimKeySQL(dedupeKey: GenerateImage.dedupeKeySQL("g.id")))) AS k ON g.status IN ('pending', 'queued')
            WHERE g.batch_id = \(id) AND g.status NOT IN ('completed', 'failed', 'cancelled')
            ORDER BY g.batch_index DESC LIMIT 1
            """,
            logger: logger
        )
        for try await row in rows {
            let columns = row.makeRandomAccess()
            let key = try columns["claim_id"].decode(UUID?.self).map { id in
                ClaimKey(
                    priority: try columns["claim_priority"].decode(Int.self), fairRank: try columns["claim_fair_rank"].decode(Int.self),
                    runAt: try columns["claim_run_at"].decode(Date.self), id: id)
            }
            return (try Generation(row: row), key)
        }
        return nil
    }
}
