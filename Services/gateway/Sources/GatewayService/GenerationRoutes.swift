import Catalog
import Crypto
import Database
import Foundation
import Generations
import HTTPTypes
import Hummingbird
import JobQueue
import Logging
import PostgresNIO
import PublicAPI
import ReplicateAPI
import ServiceKit
import Storage
import WireFormat

/// The public generation API.
struct GenerationRoutes: Sendable {
    let store: GenerationStore
    let events: GenerationEvents
    let auth: UserAuthenticator
    let maxActivePerUser: Int
    /// The highest priority a request may ask for unless its token grants more (`GATEWAY_MAX_PRIORITY`).
    let maxPriority: Int
    /// Development origins a `webhook` may name besides public https hosts (`WEBHOOK_ALLOWED_ORIGINS`).
    let webhookOrigins: Set<String>
    /// How images' `public_url` is given out: signed, expiring links (`FILES_URL_SECRET`, `FILES_URL_TTL`).
    let links: FileLinks
    /// Each user's monthly budget unless their own is set (`GATEWAY_MONTHLY_BUDGET_USD`).
    var monthlyBudget: Double? = nil
    /// The cap on generations waiting to start (`GATEWAY_MAX_QUEUED`).
    let backpressure: Backpressure
    /// The operator's default and ceiling for deadlines.
    var deadlines = Deadlines(fallback: nil, ceiling: nil)
    /// The operator's pauses, as a waiting generation and `/v1/models` show them.
    let pauseBoard: PauseBoard
    /// A waiting generation's queue position and estimated start and completion.
    let estimates: QueueEstimates
    /// Uploaded files named by id in requests, made into the links Replicate fetches.
    let inputFiles: InputFileLinks
    /// The most permissive `safety_level` a request may ask for (`GATEWAY_SAFETY_CEILING`).
    var safetyCeiling = SafetyLevel.standard
    /// The catalog as operators changed it (disabled models, prices, versions, alias weights).
    let catalog: LiveCatalog
    /// The account-wide ceiling on this month's spend, and the budget alerts.
    let spend: SpendWatch
    let logger: Logger

    func add(to router: Router<BasicRequestContext>) {
        addGenerations(to: router)
        addStreams(to: router)
        addWebhooks(to: router)
        addAccount(to: router)
    }

    /// Create, read, list, cancel and delete generations, and read an image.
    private func addGenerations(to router: Router<BasicRequestContext>) {
        router.post("v1/generations") { request, _ in
            let (generation, created) = try await create(request, caller: try await auth.caller(from: request.bearerToken))
            if let wait = request.headers[.prefer].flatMap(Self.waitSeconds), !generation.status.isTerminal {
                let finished = try await events.waitUntilTerminal(generation.id, store: store, timeout: .seconds(wait)) ?? generation
                return try await respond(finished, status: finished.status.isTerminal ? .ok : .accepted, preference: "wait=\(wait)")
            }
            return try await respond(generation, status: created ? .accepted : .ok)
        }
        router.get("v1/generations/:id") { request, context in
            let user = try await auth.user(from: request.bearerToken)
            let id = try Self.uuid(context)
            // One statement: the generation and, while it waits, its job's place in the claim order.
            guard let (generation, claimKey) = try await store.findShown(id, userID: user) else {
                throw Problem.notFound("Generation \(id.lowercase)")
            }
            return try await respond(generation, status: .ok, claimKey: claimKey)
        }
        router.get("v1/generations") { request, _ in
            let user = try await auth.user(from: request.bearerToken)
            return try await list(request, user: user)
        }
        router.post("v1/generations/:id/cancel") { request, context in
            let user = try await auth.user(from: request.bearerToken)
            let id = try Self.uuid(context)
            guard let (generation, changed) = try await store.cancel(id, userID: user) else { throw Problem.notFound("Generation \(id.lowercase)") }
            guard changed else {
                throw Problem(
                    .conflict, title: "Already finished",
                    detail: "Generation \(id.lowercase) is \(generation.status.rawValue) and cannot be cancelled")
            }
            return try await respond(generation, status: .ok)
        }
        router.delete("v1/generations/:id") { request, context in
            let user = try await auth.user(from: request.bearerToken)
            let id = try Self.uuid(context)
            // Rows go now (so no link serves the files any more); the files go with the `delete-files` job the same
            // transaction enqueued, run by the downloader, which owns them.
            guard let paths = try await store.delete(id, userID: user) else { throw Problem.notFound("Generation \(id.lowercase)") }
            logger.info("Generation deleted", metadata: ["generation.id": "\(id.lowercase)", "images": "\(paths.count)"])
            return Response(status: .noContent)
        }
        router.get("v1/images/:id") { request, context in
            let user = try await auth.user(from: request.bearerToken)
            let id = try Self.uuid(context)
            guard let image = try await store.image(id, userID: user) else { throw Problem.notFound("Image \(id.lowercase)") }
            return try JSONCoding.response(image.body(links: links))
        }
    }

    /// A generation's Server-Sent Events, and the short-lived tokens that open them from a browser.
    private func addStreams(to router: Router<BasicRequestContext>) {
        router.get("v1/generations/:id/events") { request, context in
            let user = try await streamUser(request, context)
            let generation = try await owned(context, user: user)
            var lastEventID = request.headers[.lastEventID].flatMap { Int64($0) } ?? 0
            if lastEventID == 0, let raw = request.uri.queryParameters.get("last_event_id") {
                guard let id = Int64(raw), id >= 0 else {
                    throw Problem.validation([.init(field: "last_event_id", message: "must be a non-negative integer")])
                }
                lastEventID = id
            }
            return stream(generation, of: user, after: lastEventID)
        }
        router.post("v1/generations/:id/stream-token") { request, context in
            let user = try await auth.user(from: request.bearerToken)
            let id = try Self.uuid(context)
            let token = randomToken()
            guard let expiry = try await store.createStreamToken(hash: Self.tokenHash(token), for: id, userID: user, seconds: Self.streamTokenSeconds)
            else { throw Problem.notFound("Generation \(id.lowercase)") }
            return try JSONCoding.response(
                StreamTokenBody(token: token, expiresAt: expiry, eventsUrl: "/v1/generations/\(id.lowercase)/events?token=\(token)"),
                status: .created
            )
        }
    }

    /// A generation's webhook delivery log, and the user's signing secret.
    private func addWebhooks(to router: Router<BasicRequestContext>) {
        router.get("v1/generations/:id/webhook-deliveries") { request, context in
            let user = try await auth.user(from: request.bearerToken)
            let id = try Self.uuid(context)
            guard let attempts = try await store.webhookDeliveries(of: id, userID: user) else { throw Problem.notFound("Generation \(id.lowercase)") }
            return try JSONCoding.response(WebhookDeliveryList(data: attempts))
        }
        router.get("v1/webhook-secret") { request, _ in
            let user = try await auth.user(from: request.bearerToken)
            return try Self.respond(try await store.webhookSecrets(for: user, candidate: WebhookSecrets.make()))
        }
        router.post("v1/webhook-secret/rotate") { request, _ in
            let user = try await auth.user(from: request.bearerToken)
            return try Self.respond(try await store.rotateWebhookSecret(for: user, replacement: WebhookSecrets.make()))
        }
    }

    /// The user's usage and spend, and the model catalog.
    private func addAccount(to router: Router<BasicRequestContext>) {
        router.get("v1/usage") { request, _ in
            let user = try await auth.user(from: request.bearerToken)
            let query = request.uri.queryParameters
            var errors: [Problem.FieldError] = []
            let grouping =
                query.get("group_by").map { raw -> UsageGrouping? in
                    guard let grouping = UsageGrouping(rawValue: raw), grouping != .user, grouping != .project else {
                        errors.append(.init(field: "group_by", message: "must be day, model, variant or key"))
                        return nil
                    }
                    return grouping
                } ?? .day
            var period: (from: Date, to: Date)?
            switch UsagePeriod.parse(from: query.get("from"), to: query.get("to")) {
            case .success(let parsed): period = parsed
            case .failure(let failure): errors += failure.errors
            }
            guard errors.isEmpty, let grouping, let period else { throw Problem.validation(errors) }
            let rows = try await store.usage(userID: user, from: period.from, to: period.to, groupBy: grouping)
            var report = UsageReport(from: period.from, to: period.to, groupBy: grouping.rawValue, data: rows)
            report.files = try await inputFiles.files.usage(userID: user)
            return try JSONCoding.response(report)
        }
        router.get("v1/models") { _, _ in
            let pauses = try await pauseBoard.current()
            let overrides = try await catalog.current()
            let timings = try await ModelTimingStore(client: store.client, logger: logger).load()
            return try JSONCoding.response(
                ModelsResponse(
                    models: ModelCatalog.all.map {
                        ModelSummary(
                            $0.priced(overrides.prices[$0.id]), paused: pauseBoard.isPaused(model: $0.id, in: pauses),
                            disabledReason: overrides.disabled[$0.id], timing: timings[$0.id] ?? ModelTiming(catalog: $0))
                    },
                    aliases: overrides.aliases.map(ModelsResponse.AliasSummary.init)))
        }
    }

    /// Validates and stores a generation (idempotently with `Idempotency-Key`); returns it and whether it is new. The
    /// legacy endpoint (`legacy`) gets no default deadline.
    func create(_ request: Request, caller: Caller, legacy: Bool = false) async throws -> (Generation, Bool) {
        let user = caller.user
        let body = try await request.decodeJSON(JSONValue.self, limit: RequestLimits.createBodyBytes)
        guard case .object(let fields) = body else { throw Problem(.badRequest, title: "Malformed JSON", detail: "body must be a JSON object") }
        let overrides = try await catalog.current()
        var generationRequest = try validated(fields, caller: caller, overrides: overrides)
        let key = try Self.idempotencyKey(request)
        // The hash is of the body (file ids, not the links they become): a retry with the same body and key is the same
        // request, whenever it comes.
        let hash = Self.hash(generationRequest)
        var passed: Problem?
        do {
            generationRequest.deadline = try deadlines.resolve(body: generationRequest.deadline, headers: request.headers, applyDefault: !legacy)
        } catch let refusal as Deadlines.Passed {
            passed = refusal.problem
        }
        do {
            // A retry of a request that made a generation is answered with it, whatever has passed since (its deadline, a
            // full queue, a disabled model, an expired file): looked up first when a key is sent (after every check of the
            // request itself).
            if let key, let replayed = try await store.replay(userID: user, idempotencyKey: key, requestHash: hash) { return (replayed, false) }
            if let passed { throw passed }
            // What may have changed since a first attempt: the model's state, the files it names.
            if let refusal = catalog.refusal(of: generationRequest.modelId, in: overrides) { throw Problem.validation([refusal]) }
            generationRequest = overrides.applied(to: try await inputFiles.resolve(generationRequest, userID: user))
            try await backpressure.admit()
            try await spend.admit(generationRequest.expectedCost)
            let (generation, _, created) = try await store.create(
                generationRequest, userID: user, maxRunning: maxActivePerUser, monthlyBudget: monthlyBudget, idempotencyKey: key, requestHash: hash,
                apiKeyID: caller.keyID
            )
            return (generation, created)
        } catch GenerationStoreError.idempotencyKeyReused {
            throw Problem(.conflict, title: "Idempotency key reused", detail: "Idempotency-Key \(key ?? "") was used with a different request body")
        } catch GenerationStoreError.idempotencyKeyOfDeleted {
            throw Problem(
                .conflict, title: "Idempotency key of a deleted generation",
                detail: "The generation made with Idempotency-Key \(key ?? "") was deleted; send a new key to create another")
        } catch let error as GenerationStoreError {
            throw Self.problem(error, maxActivePerUser: maxActivePerUser) ?? error
        }
    }

    /// `fields` as a request `caller` may make (a 422 naming every bad field): a model alias resolved to the variant
    /// chosen for the caller and validated as that model, the priority within the caller's ceiling (a request may ask
    /// for up to it; only a token claim raises it).
    func validated(_ fields: [String: JSONValue], caller: Caller, overrides: CatalogOverrides) throws -> GenerationRequest {
        var fields = fields
        let alias = fields["model_id"]?.string.flatMap(overrides.alias(named:))
        if let alias { fields["model_id"] = .string(alias.variant(for: caller.user)) }
        var generationRequest: GenerationRequest
        do {
            generationRequest = try GenerationRequest.validate(fields, webhookOrigins: webhookOrigins)
        } catch {
            throw Problem.validation(error.errors)
        }
        if let level = generationRequest.safetyLevel, level > safetyCeiling {
            throw Problem.validation([
                .init(
                    field: "safety_level",
                    message:
                        "\(level.rawValue) is beyond this server's ceiling (\(safetyCeiling.rawValue)); ask for \(SafetyLevel.allCases.filter { $0 <= safetyCeiling }.map(\.rawValue).joined(separator: " or "))"
                )
            ])
        }
        generationRequest.modelAlias = alias?.name
        generationRequest.priority = min(generationRequest.priority, caller.maxPriority ?? maxPriority)
        return generationRequest
    }

    /// Whose monthly budget a 402 is about (its `scope`).
    enum BudgetScope: String { case user, project, key, account }

    /// 402: a request expected to cost `expected` would take `scope`'s budget past `budget`, of which `committed` is
    /// spent or reserved (the figures also as extensions).
    static func overBudget(committed: Double, budget: Double, expected: Double, scope: BudgetScope = .user) -> Problem {
        let whose =
            switch scope {
            case .user: "your"
            case .project: "your project's"
            case .key: "this API key's"
            case .account: "the account's"
            }
        var problem = Problem(
            HTTPResponse.Status(code: 402, reasonPhrase: "Payment Required"), title: "Monthly budget exhausted",
            detail:
                "This request is expected to cost \(dollars(expected)); \(dollars(committed)) of \(whose) \(dollars(budget)) monthly budget is spent or reserved by running generations"
        )
        problem.type = budgetExhausted
        problem.extensions = [
            "scope": .string(scope.rawValue), "budget_usd": JSONValue.double(budget), "committed_usd": JSONValue.double(committed),
            "request_usd": JSONValue.double(expected),
        ]
        return problem
    }

    private static func dollars(_ usd: Double) -> String { String(format: "$%.4f", usd) }

    /// The refusals a create can meet in the store, as the API answers them.
    static func problem(_ error: GenerationStoreError, maxActivePerUser: Int) -> Problem? {
        switch error {
        case .overBudget(let committed, let budget, let expected): overBudget(committed: committed, budget: budget, expected: expected)
        case .projectOverBudget(let committed, let budget, let expected):
            overBudget(committed: committed, budget: budget, expected: expected, scope: .project)
        case .keyOverBudget(let committed, let budget, let expected):
            overBudget(committed: committed, budget: budget, expected: expected, scope: .key)
        case .tooManyRunning(let running):
            Problem(.tooManyRequests, detail: "\(running) generations are still running; at most \(maxActivePerUser) at once", retryAfterSeconds: 5)
        case .projectTooManyRunning(let running):
            Problem(
                .tooManyRequests, detail: "Your project has \(running) generations running, its most at once; try again when one finishes",
                retryAfterSeconds: 5)
        default: nil
        }
    }

    /// The request's `Idempotency-Key`, if it has one (1 to 200 characters).
    static func idempotencyKey(_ request: Request) throws -> String? {
        let key = request.headers[.idempotencyKey]
        if let key, key.isEmpty || key.count > 200 {
            throw Problem.validation([.init(field: "Idempotency-Key", message: "must be 1 to 200 characters")])
        }
        return key
    }

    private func list(_ request: Request, user: UUID) async throws -> Response {
        let query = request.uri.queryParameters
        var errors: [Problem.FieldError] = []
        let status = query.get("status").flatMap { raw -> GenerationStatus? in
            guard let status = GenerationStatus(rawValue: raw) else {
                errors.append(.init(field: "status", message: "must be one of \(GenerationStatus.allCases.map(\.rawValue).joined(separator: ", "))"))
                return nil
            }
            return status
        }
        let limit = query.get("limit").map { Int($0) ?? -1 } ?? 20
        if !(1...100).contains(limit) { errors.append(.init(field: "limit", message: "must be an integer between 1 and 100")) }
        let cursor =
            query.get("cursor").map { raw -> UUID? in
                guard let cursor = UUID(uuidString: raw) else {
                    errors.append(.init(field: "cursor", message: "is not a cursor this API returned"))
                    return nil
                }
                return cursor
            } ?? nil
        guard errors.isEmpty else { throw Problem.validation(errors) }
        let page = try await store.list(userID: user, status: status, limit: limit, after: cursor)
        let next = page.count == limit ? page.last?.id.uuidString.lowercased() : nil
        let images = try await store.images(of: page.filter { $0.status == .completed }.map(\.id))
        let pauses = try await pauseBoard.current()
        let waiting = page.filter { $0.status == .pending || $0.status == .queued }.map { GenerateImage.dedupeKey($0.id) }
        let claimKeys = try await JobQueue(client: store.client, logger: logger).claimKeys(dedupeKeys: waiting)
        var bodies: [GenerationBody] = []
        for generation in page {
            bodies.append(
                try await shown(
                    generation, images: images[generation.id] ?? [], pauses: pauses, claimKey: claimKeys[GenerateImage.dedupeKey(generation.id)]))
        }
        return try JSONCoding.response(GenerationPage(data: bodies, nextCursor: next))
    }

    /// `generation`'s events: a `status` event per entry of its event log (resumable by id), and while it is unfinished a
    /// `queue` event whenever its place in the queue, its pause or its estimates change (see ``QueueWatch``).
    private func stream(_ generation: Generation, of user: UUID, after lastEventID: Int64) -> Response {
        let ticks = events.changes(of: generation.id, heartbeat: .seconds(15), check: .seconds(1))
        let events = self.events
        let queue = QueueWatch(generation: generation, user: user, routes: self)
        return Response(
            status: .ok,
            headers: [.contentType: "text/event-stream", .cacheControl: "no-cache", .init("X-Accel-Buffering")!: "no"],
            body: .init { writer in
                var last = lastEventID
                func write(_ event: GenerationEvent) async throws -> Bool {
                    guard event.id > last else { return false }
                    let data = String(decoding: try JSONCoding.encoder().encode(event), as: UTF8.self)
                    try await writer.write(ByteBuffer(string: "id: \(event.id)\nevent: status\ndata: \(data)\n\n"))
                    last = event.id
                    await queue.saw(event.status)
                    return event.status.isTerminal
                }
                /// Catches up from the event log (at the start, and after the LISTEN connection was re-established).
                func catchUp() async throws -> Bool {
                    for event in try await events.events(of: generation.id, after: last) where try await write(event) { return true }
                    return false
                }
                func place() async throws {
                    guard let changed = try await queue.changed() else { return }
                    let data = String(decoding: try JSONCoding.encoder().encode(changed), as: UTF8.self)
                    try await writer.write(ByteBuffer(string: "event: queue\ndata: \(data)\n\n"))
                }
                if try await catchUp() {
                    try await writer.finish(nil)
                    return
                }
                try await place()
                loop: for await tick in ticks {
                    switch tick {
                    case .event(let event): if try await write(event) { break loop }
                    case .resync: if try await catchUp() { break loop }
                    case .heartbeat: try await writer.write(ByteBuffer(string: ": heartbeat\n\n"))
                    case .check: try await place()
                    }
                }
                try await writer.finish(nil)
            }
        )
    }

    /// How long a stream token may open its stream (an open stream outlives it; EventSource's reconnect after that needs
    /// a new token).
    static let streamTokenSeconds = 900

    /// The caller of an event stream: the bearer header, or a stream token for this generation (a browser's EventSource
    /// can send no header, and a user's token must never be put in a URL).
    private func streamUser(_ request: Request, _ context: BasicRequestContext) async throws -> UUID {
        guard request.headers[.authorization] == nil, let token = request.uri.queryParameters.get("token") else {
            return try await auth.user(from: request.bearerToken)
        }
        guard let user = try await store.streamTokenUser(hash: Self.tokenHash(token), for: try Self.uuid(context)) else {
            throw Problem.unauthorized("The stream token is unknown, expired or for another generation")
        }
        return user
    }

    static func tokenHash(_ token: String) -> String { SHA256.hash(data: Data(token.utf8)).hexString }

    private func owned(_ context: BasicRequestContext, user: UUID) async throws -> Generation {
        let id = try Self.uuid(context)
        guard let generation = try await store.find(id, userID: user) else { throw Problem.notFound("Generation \(id.lowercase)") }
        return generation
    }

    /// `generation` as the answer; its queue estimate only when `claimKey` places its waiting job (a fresh POST is placed
    /// by the GETs that follow it).
    func respond(_ generation: Generation, status: HTTPResponse.Status, preference: String? = nil, claimKey: ClaimKey? = nil) async throws
        -> Response
    {
        var headers: HTTPFields = [.location: "/v1/generations/\(generation.id.uuidString.lowercased())"]
        if let preference { headers[.preferenceApplied] = preference }
        // Only a completed generation has images; skip the query for the rest (every fresh POST).
        let images = generation.status == .completed ? try await store.images(of: generation.id) : []
        let pauses = generation.status.isTerminal ? [] : try await pauseBoard.current()
        return try JSONCoding.response(
            try await shown(generation, images: images, pauses: pauses, claimKey: claimKey), status: status, headers: headers)
    }

    /// `generation` as the API shows it: its images, and while unfinished whether it waits on a pause, its place in the
    /// queue and when it should start and finish.
    func shown(_ generation: Generation, images: [StoredImage], pauses: [DispatchPause], claimKey: ClaimKey?) async throws -> GenerationBody {
        guard !generation.status.isTerminal else { return generation.body(images: images, links: links) }
        let paused = pauseBoard.holds(generation, in: pauses)
        return generation.body(
            images: images, links: links, paused: paused,
            estimate: try await estimates.estimate(generation, claimKey: claimKey, paused: paused))
    }

    /// A user's webhook secret as the API shows it: the one that signs, and until when a rotated-out one signs beside it.
    static func respond(_ secrets: WebhookSecrets) throws -> Response {
        let previous = secrets.signing.count > 1 ? secrets.previousUntil : nil
        return try JSONCoding.response(WebhookSecretBody(secret: secrets.current, previousSecretValidUntil: previous))
    }

    static func uuid(_ context: BasicRequestContext) throws -> UUID {
        let raw = try context.parameters.require("id")
        guard let id = UUID(uuidString: raw) else { throw Problem.notFound("'\(raw)'") }
        return id
    }

    /// The `type` of a 402: the user's monthly budget cannot cover the request.
    static let budgetExhausted = "https://imagegen.dev/problems/budget-exhausted"

    static func waitSeconds(_ prefer: String) -> Int? {
        for part in prefer.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) where part.hasPrefix("wait") {
            if part == "wait" { return 60 }
            if let n = Int(part.dropFirst(5)), (1...300).contains(n) { return n }
        }
        return nil
    }

    /// The request as sent, hashed: with an alias, the alias rather than the variant chosen (which its weights, changed
    /// by an operator since, may choose differently on a retry).
    static func hash(_ request: GenerationRequest) -> String {
        var request = request
        if let alias = request.modelAlias { request.modelId = alias }
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let data = (try? encoder.encode(request)) ?? Data()
        return SHA256.hash(data: data).hexString
    }
}

/// `GET /v1/models`: the catalog and the aliases (model experiments) a request may name instead.
struct ModelsResponse: Encodable {
    var models: [ModelSummary]
    /// The aliases with their weights as operators set them.
    var aliases: [AliasSummary]

    struct AliasSummary: Encodable {
        struct Variant: Encodable {
            var modelId: String
            var weight: Int
        }
        var name: String
        var variants: [Variant]

        init(_ alias: ModelAlias) {
            name = alias.name
            variants = alias.variants.map { Variant(modelId: $0.modelID, weight: $0.weight) }
        }
    }
}

/// A model as clients see it: what it can do and what it costs.
struct ModelSummary: Encodable {
    var id: String
    var displayName: String
    var official: Bool
    var supportsImageToImage: Bool
    var maxOutputs: Int
    var outputFormat: String
    var typicalSeconds: Double
    /// One 1024×1024 image at the typical time.
    var pricePerImage: Double?
    /// How Replicate bills it: `image`, `second` (of `hardware`) or `megapixel`, at `usd` each, read from `source`.
    var billing: Billing?
    /// `WxH` sizes the model renders as asked; the request fields it honours, with its own limits.
    var sizes: [String]
    var parameters: [RequestParameter]
    /// An operator paused it: its generations wait to start.
    var paused: Bool
    /// False when an operator disabled it: requests for it are refused, for `disabled_reason`.
    var enabled: Bool
    var disabledReason: String?
    /// What its predictions take at Replicate lately (learned from `timing_samples` runs; the catalog's typical time
    /// until there are five), and how long its generations have lately waited to start.
    var runSecondsP50: Double
    var runSecondsP90: Double
    var timingSamples: Int
    var queueWaitSeconds: Double?

    struct Billing: Encodable {
        var unit: String
        var hardware: String?
        var usd: Double
        var source: String
    }

    init(_ model: ModelSpec, paused: Bool, disabledReason: String? = nil, timing: ModelTiming) {
        self.paused = paused
        enabled = disabledReason == nil
        self.disabledReason = disabledReason
        runSecondsP50 = (timing.runP50 * 100).rounded() / 100
        runSecondsP90 = (timing.runP90 * 100).rounded() / 100
        timingSamples = timing.runSamples
        queueWaitSeconds = timing.queueWait.map { ($0 * 100).rounded() / 100 }
        id = model.id
        displayName = model.displayName
        official = model.isOfficial
        supportsImageToImage = model.supportsImageToImage
        maxOutputs = model.maxOutputs
        outputFormat = model.outputFormat
        typicalSeconds = model.typicalSeconds
        pricePerImage = model.pricePerImage
        sizes = model.sizePresets
        parameters = model.requestParameters
        billing = model.pricing.map { pricing in
            switch pricing.unit {
            case .image: Billing(unit: "image", usd: pricing.usd, source: pricing.source)
            case .second(let hardware): Billing(unit: "second", hardware: hardware, usd: pricing.usd, source: pricing.source)
            case .megapixel: Billing(unit: "megapixel", usd: pricing.usd, source: pricing.source)
            }
        }
    }
}
