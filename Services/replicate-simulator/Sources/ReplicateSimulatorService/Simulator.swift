import Catalog
import Foundation
import HTTPTypes
import Hummingbird
import ReplicateAPI
import ServiceKit
import WireFormat

/// The simulator's request handlers.
struct Simulator: Sendable {
    let registry: PredictionRegistry
    let publicURL: PublicURL
    let webhooks: WebhookSender
    let secret: String
    let rendered = RenderedFiles()

    // MARK: Predictions

    func addAPIRoutes(to api: RouterGroup<BasicRequestContext>) {
        api.post("models/:owner/:name/predictions") { request, context in
            let id = "\(try context.parameters.require("owner"))/\(try context.parameters.require("name"))"
            guard let model = ModelCatalog.model(id) else { throw ReplicateProblem.notFound }
            guard model.isOfficial else { throw ReplicateProblem.invalidVersion }
            return try await create(request, model: model, version: "hidden", allowVersion: false)
        }
        api.post("predictions") { request, _ in
            try await create(request, model: nil, version: nil, allowVersion: true)
        }
        api.get("predictions/:id") { request, context in
            await registry.count("predictions.get")
            try await inject(get: true)
            guard let prediction = await registry.get(try context.parameters.require("id")) else { throw ReplicateProblem.notFound }
            return try respond(prediction, status: .ok, limit: 59999)
        }
        api.post("predictions/:id/cancel") { _, context in
            await registry.count("predictions.cancel")
            let delay = await registry.scenario.cancelDelaySeconds
            guard let prediction = await registry.cancel(try context.parameters.require("id"), at: Date(), delay: delay) else {
                throw ReplicateProblem.notFound
            }
            return try respond(prediction, status: .ok, limit: 2999)
        }
        api.get("predictions") { request, _ in
            await registry.count("predictions.list")
            let (page, next) = await registry.list(before: request.uri.queryParameters.get("cursor"), limit: 100)
            let base = publicURL.value
            let results = page.map { $0.snapshot(at: Date(), baseURL: base, render: fileURL($0)) }
            struct Page: Encodable {
                var next: String?
                var previous: String?
                var results: [Prediction]
            }
            let body = Page(next: next.map { "\(base)/v1/predictions?cursor=\($0)" }, previous: nil, results: results)
            let delay = await registry.scenario.listAnswerDelaySeconds
            if delay > 0 { try await Task.sleep(for: .seconds(delay)) }
            return try json(body, status: .ok, limit: 2999)
        }
        api.get("models/:owner/:name") { _, context in
            let id = "\(try context.parameters.require("owner"))/\(try context.parameters.require("name"))"
            guard let model = ModelCatalog.model(id) else { throw ReplicateProblem.notFound }
            return try json(modelObject(model), status: .ok, limit: 2999)
        }
        api.get("models/:owner/:name/versions/:version") { _, context in
            let id = "\(try context.parameters.require("owner"))/\(try context.parameters.require("name"))"
            guard let model = ModelCatalog.model(id), model.version == (try context.parameters.require("version")) else {
                throw ReplicateProblem.notFound
            }
            return try json(versionObject(model), status: .ok, limit: 2999)
        }
        api.get("webhooks/default/secret") { _, _ in
            try json(["key": secret], status: .ok, limit: 2999)
        }
    }

    private func create(_ request: Request, model fixedModel: ModelSpec?, version fixedVersion: String?, allowVersion: Bool) async throws -> Response
    {
        await registry.count("predictions.create")
        let scenario = await registry.scenario
        if Double.random(in: 0..<1) < scenario.create429Rate { throw ReplicateProblem.throttled(1) }
        if let wait = await registry.admitCreate(perMinute: scenario.createRatePerMinute) {
            await registry.count("predictions.create.throttled")
            throw ReplicateProblem.throttled(wait)
        }
        if Double.random(in: 0..<1) < scenario.create5xxRate {
            throw ReplicateProblem(status: .internalServerError, title: "Internal Server Error", detail: "Simulated server error")
        }
        let buffer = try await request.body.collect(upTo: 4 << 20)
        guard case .object(let body)? = try? JSONDecoder().decode(JSONValue.self, from: Data(buffer.readableBytesView)) else {
            throw ReplicateProblem(status: .badRequest, title: "Bad Request", detail: "Request body must be a JSON object")
        }
        let allowed = Set(["input", "webhook", "webhook_events_filter", "stream", "webhook_completed"] + (allowVersion ? ["version"] : []))
        var problems = body.keys.sorted().filter { !allowed.contains($0) }.map {
            InputViolation(type: "additional_property_not_allowed", field: "", description: "Additional property \($0) is not allowed")
        }
        var model = fixedModel
        var version = fixedVersion ?? "hidden"
        if allowVersion {
            guard let reference = body["version"]?.string else {
                throw ReplicateProblem.validation([InputViolation(type: "required", field: "", description: "version is required")])
            }
            (model, version) = try resolve(reference)
        }
        guard let model else { throw ReplicateProblem.invalidVersion }
        guard case .object(let input)? = body["input"] else {
            throw ReplicateProblem.validation([InputViolation(type: "required", field: "", description: "input is required")])
        }
        problems += model.inputs.violations(of: input)
        var deadline: Date?
        if let raw = request.headers[.init("Cancel-After")!] {
            if let seconds = GoDuration.seconds(raw), seconds > 0 {
                deadline = Date().addingTimeInterval(seconds)
            } else {
                problems.append(InputViolation(type: "invalid", field: "", description: "Cancel-After must be a duration such as 30s or 5m"))
            }
        }
        guard problems.isEmpty else { throw ReplicateProblem.validation(problems) }

        let prompt = input["prompt"]?.string ?? ""
        let outcome: SimulatedPrediction.Outcome
        // Each kind of model refuses in its own words; a community model whose checker is off does not refuse.
        let nsfw =
            model.field("safety_tolerance") != nil
            ? "Prediction failed: the output was flagged as sensitive. Please try a different prompt. (E005)"
            : model.field("safety_filter_level") != nil
                ? "The image was filtered out because it violates Google's Responsible AI practices. Try rephrasing the prompt. (E005)"
                : "NSFW content detected. Try running it again, or try a different prompt."
        let checkerOff = input["disable_safety_checker"] == .bool(true)
        let files = InputFetcher.urls(in: input, of: model)
        let unfetchable = await InputFetcher.problem(fetching: files)
        if !files.isEmpty { await registry.count(unfetchable == nil ? "inputs.fetched" : "inputs.unfetchable") }
        if let unfetchable {
            outcome = .fail(unfetchable)
        } else if !checkerOff && (prompt.contains(scenario.nsfwTrigger) || Double.random(in: 0..<1) < scenario.nsfwRate) {
            outcome = .fail(nsfw)
        } else if prompt.contains(scenario.failTrigger) || Double.random(in: 0..<1) < scenario.failureRate {
            outcome = .fail("Prediction failed: CUDA out of memory. Tried to allocate 2.00 GiB (simulated model error)")
        } else {
            outcome = .succeed
        }
        let runSeconds = scenario.latencyOverrides[model.id] ?? model.typicalSeconds * scenario.timeScale * Double.random(in: 0.8...1.2)
        var webhookEvents: Set<String> = ["start", "output", "logs", "completed"]
        if case .array(let filter)? = body["webhook_events_filter"] { webhookEvents = Set(filter.compactMap(\.string)) }
        var prediction = SimulatedPrediction(
            id: makePredictionID(), model: model, version: version, input: input, createdAt: Date(),
            queueSeconds: scenario.queueSeconds * (scenario.timeScale > 0 ? 1 : 0), runSeconds: runSeconds, outcome: outcome,
            canceledAt: nil, webhook: body["webhook"]?.string ?? body["webhook_completed"]?.string, webhookEvents: webhookEvents,
            retentionSeconds: scenario.retentionSeconds, outputMode: scenario.outputMode
        )
        prediction.deadline = deadline
        await registry.insert(prediction)
        if prediction.webhook != nil { webhooks.schedule(prediction.id) }
        if Double.random(in: 0..<1) < scenario.createLostRate {
            throw ReplicateProblem(status: .gatewayTimeout, title: "Gateway Timeout", detail: "Simulated: created, answer lost")
        }
        if scenario.createAnswerDelaySeconds > 0 { try await Task.sleep(for: .seconds(scenario.createAnswerDelaySeconds)) }

        var headers: HTTPFields = [:]
        if let prefer = request.headers[.prefer], let wait = Self.waitSeconds(prefer) {
            headers[.preferenceApplied] = wait == 60 && !prefer.contains("=") ? "wait" : "wait=\(wait)"
            let deadline = Date().addingTimeInterval(Double(wait))
            while let current = await registry.get(prediction.id), !current.status(at: Date()).isTerminal, Date() < deadline {
                let untilDone = (current.completedAt ?? deadline).timeIntervalSinceNow
                try await Task.sleep(for: .milliseconds(Int(max(0.005, min(untilDone, deadline.timeIntervalSinceNow)) * 1000)))
            }
        }
        let current = await registry.get(prediction.id) ?? prediction
        var response = try respond(current, status: .created, limit: 599, waitTimedOut: headers[.preferenceApplied] != nil)
        response.headers[.location] = "\(publicURL.value)/v1/predictions/\(prediction.id)"
        for field in headers { response.headers.append(field) }
        return response
    }

    /// `owner/name:hash`, a bare hash, or `owner/name` for an official model.
    private func resolve(_ reference: String) throws -> (ModelSpec?, String) {
        if let colon = reference.firstIndex(of: ":") {
            let id = String(reference[..<colon])
            let hash = String(reference[reference.index(after: colon)...])
            guard let model = ModelCatalog.model(id), model.version == hash else { throw ReplicateProblem.invalidVersion }
            return (model, hash)
        }
        if reference.contains("/") {
            guard let model = ModelCatalog.model(reference), model.isOfficial else { throw ReplicateProblem.invalidVersion }
            return (model, "hidden")
        }
        guard let model = ModelCatalog.model(version: reference) else { throw ReplicateProblem.invalidVersion }
        return (model, reference)
    }

    /// Seconds to hold for `Prefer: wait` / `wait=N` (1–60), or nil when absent or malformed.
    static func waitSeconds(_ prefer: String) -> Int? {
        for part in prefer.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) {
            if part == "wait" { return 60 }
            if part.hasPrefix("wait="), let n = Int(part.dropFirst(5)), (1...60).contains(n) { return n }
        }
        return nil
    }

    private func inject(get: Bool) async throws {
        let scenario = await registry.scenario
        if Double.random(in: 0..<1) < scenario.get429Rate { throw ReplicateProblem.throttled(1) }
        if Double.random(in: 0..<1) < scenario.get5xxRate {
            throw ReplicateProblem(status: .serviceUnavailable, title: "Service Unavailable", detail: "Simulated outage")
        }
    }

    private func fileURL(_ prediction: SimulatedPrediction) -> (Int) -> String {
        let base = publicURL.value
        return { index in
            if prediction.outputMode == "data" {
                let (bytes, type) = render(prediction, index: index)
                return "data:\(type);base64,\(Data(bytes).base64EncodedString())"
            }
            return "\(base)/files/\(prediction.id)/out-\(index).\(prediction.outputExtension)"
        }
    }

    /// Never answers `processing` without output on a timed-out wait: clients would take it as done.
    private func respond(_ prediction: SimulatedPrediction, status: HTTPResponse.Status, limit: Int, waitTimedOut: Bool = false) throws -> Response {
        var snapshot = prediction.snapshot(at: Date(), baseURL: publicURL.value, render: fileURL(prediction))
        if waitTimedOut && snapshot.status == .processing {
            snapshot.status = .starting
        }
        return try json(snapshot, status: status, limit: limit)
    }

    private func json(_ value: some Encodable, status: HTTPResponse.Status, limit: Int) throws -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .withoutEscapingSlashes
        return Response(
            status: status,
            headers: [.contentType: "application/json", .rateLimitRemaining: String(limit), .rateLimitReset: "1"],
            body: .init(byteBuffer: ByteBuffer(bytes: try encoder.encode(value)))
        )
    }

    private func modelObject(_ model: ModelSpec) -> JSONValue {
        let (owner, name) = split(model.id)
        return .object([
            "url": .string("https://replicate.com/\(model.id)"), "owner": .string(owner), "name": .string(name),
            "description": .string(model.displayName), "visibility": .string("public"), "run_count": .int(0),
            "latest_version": versionObject(model),
        ])
    }

    private func versionObject(_ model: ModelSpec) -> JSONValue {
        var properties: [String: JSONValue] = [:]
        for field in model.inputs {
            var schema: [String: JSONValue] = [:]
            switch field.kind {
            case .string: schema["type"] = .string("string")
            case .uri: schema = ["type": .string("string"), "format": .string("uri")]
            case .uriArray: schema = ["type": .string("array"), "items": .object(["type": .string("string"), "format": .string("uri")])]
            case .integer(let min, let max):
                schema["type"] = .string("integer")
                if let min { schema["minimum"] = .int(min) }
                if let max { schema["maximum"] = .int(max) }
            case .number(let min, let max):
                schema["type"] = .string("number")
                if let min { schema["minimum"] = .double(min) }
                if let max { schema["maximum"] = .double(max) }
            case .boolean: schema["type"] = .string("boolean")
            case .choice(let options): schema["enum"] = .array(options.map(JSONValue.string))
            }
            if let value = field.defaultValue { schema["default"] = value }
            properties[field.name] = .object(schema)
        }
        let output: JSONValue =
            model.outputShape == .array
            ? .object(["type": .string("array"), "items": .object(["type": .string("string"), "format": .string("uri")])])
            : .object(["type": .string("string"), "format": .string("uri")])
        let required = model.inputs.filter(\.required).map { JSONValue.string($0.name) }
        return .object([
            "id": .string(model.version ?? "hidden"), "created_at": .string("2025-01-01T00:00:00.000Z"), "cog_version": .string("0.9.4"),
            "openapi_schema": .object([
                "components": .object([
                    "schemas": .object([
                        "Input": .object(["type": .string("object"), "properties": .object(properties), "required": .array(required)]),
                        "Output": output,
                    ])
                ])
            ]),
        ])
    }

    private func split(_ id: String) -> (String, String) {
        let parts = id.split(separator: "/", maxSplits: 1).map(String.init)
        return (parts[0], parts.count > 1 ? parts[1] : "")
    }

    // MARK: Files

    func render(_ prediction: SimulatedPrediction, index: Int) -> (bytes: [UInt8], contentType: String) {
        let (width, height) = prediction.model.outputDimensions(for: prediction.input)
        let seed = stableHash("\(prediction.input["prompt"]?.string ?? "")|\(prediction.input["seed"] ?? .null)|\(index)")
        if prediction.outputExtension == "svg" {
            return (
                rendered.bytes(for: "svg \(width)x\(height) \(seed)") { ImageRenderer.svg(width: width, height: height, seed: seed) }, "image/svg+xml"
            )
        }
        // PNG bytes whatever the extension: the downloader trusts magic bytes, not names.
        return (rendered.bytes(for: "png \(width)x\(height) \(seed)") { ImageRenderer.png(width: width, height: height, seed: seed) }, "image/png")
    }

    func addFileRoutes(to router: Router<BasicRequestContext>) {
        router.get("files/:id/:file") { _, context in
            await registry.count("files.get")
            let id = try context.parameters.require("id")
            let file = try context.parameters.require("file")
            guard let prediction = await registry.get(id), prediction.status(at: Date()) == .succeeded,
                let index = file.split(separator: ".").first.flatMap({ Int($0.dropFirst(4)) }), file.hasPrefix("out-"),
                index < prediction.outputCount
            else { throw ReplicateProblem.notFound }
            if Date().timeIntervalSince(prediction.finishedAt) > prediction.retentionSeconds { throw ReplicateProblem.notFound }
            let scenario = await registry.scenario
            let (bytes, type) = render(prediction, index: index)
            switch scenario.outputFault {
            case "not_image":
                return Response(status: .ok, headers: [.contentType: "text/html"], body: .init(byteBuffer: ByteBuffer(string: "<html>nope</html>")))
            case "truncated":
                return Response(status: .ok, headers: [.contentType: type], body: .init(byteBuffer: ByteBuffer(bytes: bytes.prefix(bytes.count / 2))))
            case "oversized":
                let total = max(scenario.oversizeBytes, bytes.count)
                return Response(
                    status: .ok, headers: [.contentType: type],
                    body: .init(contentLength: total) { writer in
                        try await writer.write(ByteBuffer(bytes: bytes))
                        var remaining = total - bytes.count
                        let zeros = ByteBuffer(repeating: 0, count: 64 << 10)
                        while remaining > 0 {
                            let chunk = min(remaining, zeros.readableBytes)
                            try await writer.write(zeros.getSlice(at: 0, length: chunk)!)
                            remaining -= chunk
                        }
                        try await writer.finish(nil)
                    }
                )
            case "slow":
                return Response(
                    status: .ok, headers: [.contentType: type],
                    body: .init(contentLength: bytes.count) { writer in
                        for start in stride(from: 0, to: bytes.count, by: 4096) {
                            try await writer.write(ByteBuffer(bytes: bytes[start..<min(start + 4096, bytes.count)]))
                            try await Task.sleep(for: .milliseconds(50))
                        }
                        try await writer.finish(nil)
                    }
                )
            default:
                return Response(
                    status: .ok,
                    headers: [.contentType: type, .cacheControl: "public,max-age=3600", .eTag: "\"\(stableHash("\(id)\(index)"))\""],
                    body: .init(byteBuffer: ByteBuffer(bytes: bytes))
                )
            }
        }
    }

    // MARK: Admin

    func addAdminRoutes(to admin: RouterGroup<BasicRequestContext>, initial: Scenario) {
        admin.get("scenario") { _, _ in try JSONCoding.response(await registry.scenario) }
        // A partial update: fields in the body replace the current ones, the rest stay.
        admin.post("scenario") { request, _ in
            let changes = try await request.decodeJSON([String: JSONValue].self)
            let current = try JSONCoding.decoder().decode([String: JSONValue].self, from: JSONCoding.encoder().encode(await registry.scenario))
            // A misspelt key would otherwise inject nothing, silently.
            let unknown = changes.keys.filter { current[$0] == nil && !Scenario.optionalKeys.contains($0) }.sorted()
            guard unknown.isEmpty else {
                throw Problem(
                    .unprocessableContent, title: "Invalid scenario",
                    detail:
                        "Unknown scenario keys: \(unknown.joined(separator: ", ")); known keys: \((current.keys + Scenario.optionalKeys).sorted().joined(separator: ", "))"
                )
            }
            let merged = current.merging(changes) { $1 }
            let scenario: Scenario
            do {
                scenario = try JSONCoding.decoder().decode(Scenario.self, from: JSONCoding.encoder().encode(merged))
            } catch let error as DecodingError {
                throw Problem(.unprocessableContent, title: "Invalid scenario", detail: error.readableDescription)
            }
            await registry.update { $0 = scenario }
            return try JSONCoding.response(scenario)
        }
        admin.get("stats") { _, _ in
            struct Stats: Encodable {
                var counters: [String: Int]
                var predictions: Int
            }
            return try JSONCoding.response(Stats(counters: await registry.counters, predictions: await registry.size))
        }
        admin.post("reset") { _, _ in
            await registry.reset(to: initial)
            return Response(status: .noContent)
        }
    }
}
