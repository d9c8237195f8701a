import Catalog
import Crypto
import Foundation
import Generations
import HTTPTypes
import Hummingbird
import PublicAPI
import ServiceKit
import WireFormat

/// `/v1/batches`: many ordinary generations made by one request, and the batch as one resource (its counts, its
/// results as JSON Lines, its events, cancel and delete).
struct BatchRoutes: Sendable {
    let generations: GenerationRoutes
    let batches: BatchStore

    func add(to router: Router<BasicRequestContext>) {
        router.post("v1/batches") { request, _ in
            let caller = try await generations.auth.caller(from: request.bearerToken)
            let (id, created) = try await create(request, caller: caller)
            guard let batch = try await batches.find(id, userID: caller.user) else { throw Problem.notFound("Batch \(id.lowercase)") }
            return try await respond(batch, status: created ? .accepted : .ok)
        }
        router.get("v1/batches") { request, _ in
            let user = try await generations.auth.user(from: request.bearerToken)
            return try await list(request, user: user)
        }
        router.get("v1/batches/:id") { request, context in
            try await respond(try await owned(request, context).batch, status: .ok)
        }
        router.get("v1/batches/:id/results") { request, context in
            results(of: try await owned(request, context).batch)
        }
        router.get("v1/batches/:id/events") { request, context in
            let (batch, user) = try await owned(request, context)
            return events(of: batch, user: user)
        }
        router.post("v1/batches/:id/cancel") { request, context in
            let (batch, user) = try await owned(request, context)
            _ = try await batches.cancel(batch.id, userID: user)
            guard let cancelled = try await batches.find(batch.id, userID: user) else { throw Problem.notFound("Batch \(batch.id.lowercase)") }
            return try await respond(cancelled, status: .ok)
        }
        router.delete("v1/batches/:id") { request, context in
            let (batch, user) = try await owned(request, context)
            // Its unfinished items are cancelled, then every item is deleted as DELETE deletes one (a thousand to a
            // transaction); the batch goes last, so a delete cut short can be sent again.
            _ = try await batches.cancel(batch.id, userID: user)
            let items = try await batches.itemIDs(of: batch.id)
            for start in stride(from: 0, to: items.count, by: 1000) {
                _ = try await generations.store.delete(Array(items[start..<min(start + 1000, items.count)]), userID: user)
            }
            _ = try await batches.markDeleted(batch.id, userID: user)
            generations.logger.info("Batch deleted", metadata: ["batch.id": "\(batch.id.lowercase)", "items": "\(items.count)"])
            return Response(status: .noContent)
        }
    }

    // MARK: - Create

    /// Reads, validates and creates the batch the request describes; nothing is written unless every item is valid.
    private func create(_ request: Request, caller: Caller) async throws -> (UUID, Bool) {
        let (raw, webhook) = try await BatchRequest.read(request)
        if let webhook, let problem = WebhookTarget.problem(webhook, allowedOrigins: generations.webhookOrigins) {
            throw Problem.validation([.init(field: "webhook", message: problem)])
        }
        // Each item as sent (its hash is the request's) and its deadline as of now.
        var items: [GenerationRequest] = []
        var deadlines: [Date?] = []
        var indices: [Int] = []
        var errors: [FieldError] = []
        let overrides = try await generations.catalog.current()
        items.reserveCapacity(raw.count)
        for (index, value) in raw.enumerated() {
            func failed(_ problems: [FieldError]) {
                errors += problems.map { FieldError(field: "items[\(index)].\($0.field)", message: $0.message) }
            }
            guard case .object(let fields) = value else {
                errors.append(FieldError(field: "items[\(index)]", message: "must be a JSON object (a generation request)"))
                continue
            }
            do {
                let item = try generations.validated(fields, caller: caller, overrides: overrides)
                deadlines.append(try generations.deadlines.resolve(body: item.deadline, headers: request.headers, applyDefault: true))
                items.append(item)
                indices.append(index)
            } catch let problem as Problem {
                failed(problem.errors)
            } catch let passed as Deadlines.Passed {
                failed(passed.problem.errors)
            }
        }
        try Self.refuse(errors, of: raw.count)
        let key = try GenerationRoutes.idempotencyKey(request)
        // The body's hash, item by item (file ids, not their links; deadlines as sent), so a retry with the same items
        // and key is the same request, and is answered with its batch whatever has changed since.
        var hasher = SHA256()
        for item in items { hasher.update(data: Data(GenerationRoutes.hash(item).utf8)) }
        hasher.update(data: Data((webhook ?? "").utf8))
        let hash = hasher.finalize().hexString
        do {
            if let key, let id = try await batches.replay(userID: caller.user, idempotencyKey: key, requestHash: hash) { return (id, false) }
            for (offset, item) in items.enumerated() {
                if let refusal = generations.catalog.refusal(of: item.modelId, in: overrides) {
                    errors.append(FieldError(field: "items[\(indices[offset])].\(refusal.field)", message: refusal.message))
                }
            }
            // Files named by id: one lookup for the whole batch.
            let (resolved, fileProblems) = try await generations.inputFiles.resolve(items, userID: caller.user)
            errors += fileProblems.map { FieldError(field: "items[\(indices[$0.0])].\($0.1.field)", message: $0.1.message) }
            try Self.refuse(errors, of: raw.count)
            items = zip(resolved, deadlines).map { item, deadline in
                var item = overrides.applied(to: item)
                item.deadline = deadline
                return item
            }
            try await generations.backpressure.admit()
            try await generations.spend.admit(items.reduce(0) { $0 + $1.expectedCost })
            return try await batches.create(
                items, userID: caller.user, webhook: webhook, monthlyBudget: generations.monthlyBudget, idempotencyKey: key, requestHash: hash,
                apiKeyID: caller.keyID)
        } catch let error as GenerationStoreError where GenerationRoutes.problem(error, maxActivePerUser: 0) != nil {
            throw GenerationRoutes.problem(error, maxActivePerUser: generations.maxActivePerUser) ?? error
        } catch GenerationStoreError.idempotencyKeyReused {
            throw Problem(.conflict, title: "Idempotency key reused", detail: "Idempotency-Key \(key ?? "") was used with a different batch")
        } catch GenerationStoreError.idempotencyKeyOfDeleted {
            throw Problem(
                .conflict, title: "Idempotency key of a deleted batch",
                detail: "The batch made with Idempotency-Key \(key ?? "") was deleted; send a new key to create another")
        }
    }

    /// A 422 listing `errors` (the first thousand) by item, when there are any; nothing was created.
    private static func refuse(_ errors: [FieldError], of count: Int) throws {
        guard !errors.isEmpty else { return }
        let shown = Array(errors.prefix(1000))
        var problem = Problem.validation(shown)
        problem.title = "Invalid batch items"
        problem.detail =
            "\(Set(errors.map { $0.field.prefix { $0 != "." } }).count) of \(count) items are invalid; nothing was created"
            + (errors.count > shown.count ? " (the first \(shown.count) of \(errors.count) errors are listed)" : "")
        throw problem
    }

    // MARK: - Read

    private func owned(_ request: Request, _ context: BasicRequestContext) async throws -> (batch: Batch, user: UUID) {
        let user = try await generations.auth.user(from: request.bearerToken)
        let id = try GenerationRoutes.uuid(context)
        guard let batch = try await batches.find(id, userID: user) else { throw Problem.notFound("Batch \(id.lowercase)") }
        return (batch, user)
    }

    private func respond(_ batch: Batch, status: HTTPResponse.Status) async throws -> Response {
        try JSONCoding.response(try await body(batch), status: status, headers: [.location: "/v1/batches/\(batch.id.lowercase)"])
    }

    /// `batch` as the API shows it; while unfinished, when its last item should finish (that item's own estimate).
    func body(_ batch: Batch) async throws -> BatchBody {
        var estimate: Date?
        if batch.unfinished > 0, let (last, claimKey) = try await batches.lastUnfinished(of: batch.id) {
            let paused = generations.pauseBoard.holds(last, in: try await generations.pauseBoard.current())
            estimate = try await generations.estimates.estimate(last, claimKey: claimKey, paused: paused).completionAt
        }
        return batch.body(estimatedCompletionAt: estimate)
    }

    private func list(_ request: Request, user: UUID) async throws -> Response {
        let query = request.uri.queryParameters
        var errors: [FieldError] = []
        let limit = query.get("limit").map { Int($0) ?? -1 } ?? 20
        if !(1...100).contains(limit) { errors.append(.init(field: "limit", message: "must be an integer between 1 and 100")) }
        let cursor = query.get("cursor").map { raw -> UUID? in
            guard let cursor = UUID(uuidString: raw) else {
                errors.append(.init(field: "cursor", message: "is not a cursor this API returned"))
                return nil
            }
            return cursor
        }
        guard errors.isEmpty else { throw Problem.validation(errors) }
        let page = try await batches.list(userID: user, limit: limit + 1, after: cursor ?? nil)
        var bodies: [BatchBody] = []
        for batch in page.prefix(limit) { bodies.append(try await body(batch)) }
        let next = page.count > limit ? page[limit - 1].id.lowercase : nil
        return try JSONCoding.response(BatchPage(data: bodies, nextCursor: next))
    }

    /// Every item, by its place in the request, as JSON Lines: read and written 500 at a time, never all at once.
    private func results(of batch: Batch) -> Response {
        let batches = batches
        let store = generations.store
        let links = generations.links
        return Response(
            status: .ok, headers: [.contentType: "application/x-ndjson", .cacheControl: "no-cache"],
            body: .init { writer in
                var after = -1
                while true {
                    let page = try await batches.items(of: batch.id, after: after, limit: 500)
                    guard let last = page.last else { break }
                    let images = try await store.images(of: page.filter { $0.generation.status == .completed }.map(\.generation.id))
                    var chunk = ""
                    for (index, generation) in page {
                        let line = BatchResultLine(
                            index: index, generationId: generation.id, status: generation.status, errorCode: generation.errorCode,
                            errorMessage: generation.errorMessage, images: (images[generation.id] ?? []).map { $0.body(links: links) })
                        chunk += String(decoding: try JSONCoding.encoder().encode(line), as: UTF8.self) + "\n"
                    }
                    try await writer.write(ByteBuffer(string: chunk))
                    after = last.index
                }
                try await writer.finish(nil)
            })
    }

    /// Server-Sent Events: a `batch` event (a BatchBody) at the start and whenever its counts change (checked every
    /// second), ending once every item is finished.
    private func events(of batch: Batch, user: UUID) -> Response {
        let routes = self
        return Response(
            status: .ok, headers: [.contentType: "text/event-stream", .cacheControl: "no-cache", .init("X-Accel-Buffering")!: "no"],
            body: .init { writer in
                var sent: BatchCounts?
                var ticks = 0
                while true {
                    guard let current = try await routes.batches.find(batch.id, userID: user) else { break }
                    if current.counts != sent {
                        let data = String(decoding: try JSONCoding.encoder().encode(try await routes.body(current)), as: UTF8.self)
                        try await writer.write(ByteBuffer(string: "event: batch\ndata: \(data)\n\n"))
                        sent = current.counts
                        ticks = 0
                    }
                    if current.unfinished == 0 { break }
                    try await Task.sleep(for: .seconds(1))
                    ticks += 1
                    if ticks % 15 == 0 { try await writer.write(ByteBuffer(string: ": heartbeat\n\n")) }
                }
                try await writer.finish(nil)
            })
    }
}
