import Catalog
import Foundation
import GatewayService
import Generations
import PublicAPI
import Testing
import WireFormat

/// The OpenAPI document against the types the gateway encodes: every response schema accepts an encoded example of
/// its `PublicAPI` type, with every optional field set (so each property the type sends is checked) and with none set,
/// and declares exactly the properties the type can send.
@Suite("OpenAPI contract")
struct OpenAPIContractTests {
    static var document: [String: Any] { try! JSONSerialization.jsonObject(with: Data(OpenAPIDocument.json.utf8)) as! [String: Any] }
    static var schemas: [String: Any] { (document["components"] as! [String: Any])["schemas"] as! [String: Any] }

    static let now = Date(timeIntervalSince1970: 1_764_900_000.123)
    static let image = ImageBody(
        id: UUID(), generationId: UUID(), userId: UUID(), outputIndex: 0, filename: "0.webp", storagePath: "ab/cd/0.webp",
        publicUrl: "/files/ab/cd/0.webp?expires=1&signature=x", fileSize: 1234, width: 1024, height: 1024, format: "webp",
        contentType: "image/webp", sha256: String(repeating: "a", count: 64), createdAt: now
    )
    static let fullGeneration: GenerationBody = {
        var body = GenerationBody(
            id: UUID(), userId: UUID(), prompt: "a lighthouse", negativePrompt: "fog", model: "FLUX.1 [schnell]",
            modelId: "black-forest-labs/flux-schnell", modelAlias: "fast", modelVersion: String(repeating: "0", count: 64), style: "photo",
            width: 1024, height: 1024, steps: 4, guidanceScale: 3.5, seed: 42, sourceImageUrl: "https://example.com/a.png", strength: 0.6,
            numOutputs: 1, priority: 0, status: .completed, progress: 100, errorCode: "model_failed", errorMessage: "no",
            generationTimeSeconds: 3, replicatePredictionId: "p1", outputUrls: ["https://replicate.delivery/a.webp"], predictTime: 1.2,
            cost: 0.003, createdAt: now, updatedAt: now, completedAt: now, webhook: "https://example.com/hook",
            webhookEventsFilter: ["completed"], deadlineAt: now, batchId: UUID(), paused: true,
            estimate: QueueEstimate(position: 3, startAt: now, completionAt: now), images: [image]
        )
        body.maskImageUrl = "https://example.com/mask.png"
        body.safetyLevel = "strict"
        body.outputFormat = "png"
        return body
    }()
    static let inputFile = InputFileBody(
        id: UUID(), url: "https://api.example.com/v1/files/x/content?token=t", contentType: "image/png", width: 64, height: 48, sizeBytes: 99,
        sha256: String(repeating: "b", count: 64), createdAt: now, expiresAt: now)
    static let usage: UsageReport = {
        var report = UsageReport(from: now, to: now, groupBy: "model", data: [usageRow])
        report.files = InputFileUsage(count: 2, bytes: 2048)
        return report
    }()
    static let bareGeneration = GenerationBody(
        id: UUID(), userId: UUID(), prompt: "a lighthouse", negativePrompt: nil, model: "FLUX.1 [schnell]",
        modelId: "black-forest-labs/flux-schnell", modelAlias: nil, modelVersion: nil, style: nil, width: 1024, height: 1024, steps: 4,
        guidanceScale: 0, seed: nil, sourceImageUrl: nil, strength: nil, numOutputs: 1, priority: 0, status: .queued, progress: 0,
        errorCode: nil, errorMessage: nil, generationTimeSeconds: nil, replicatePredictionId: nil, outputUrls: nil, predictTime: nil,
        cost: nil, createdAt: now, updatedAt: now, completedAt: nil, webhook: nil, webhookEventsFilter: nil, deadlineAt: nil, images: nil
    )
    static let batch = BatchBody(
        id: UUID(), status: .cancelled, itemCount: 3, counts: BatchCounts(), costUsd: 0.003, expectedCostUsd: 0.009, createdAt: now,
        cancelledAt: now, completedAt: now, estimatedCompletionAt: now, webhook: "https://example.com/hook")
    static let usageRow = UsageRow(key: "2026-12-05", generations: 3, completed: 2, images: 2, costUsd: 0.006, unpricedGenerations: 0)
    static let delivery = WebhookDeliveryAttempt(
        webhookId: "msg_1", event: "completed", attempt: 1, statusCode: 500, durationMs: 12, error: "HTTP 500", nextAttemptAt: now)

    /// Each schema with its Swift type's examples: the first has every optional field set.
    static let examples: [(schema: String, full: any Encodable & Sendable, bare: any Encodable & Sendable)] = [
        ("Generation", fullGeneration, bareGeneration),
        ("Image", image, image),
        ("GenerationPage", GenerationPage(data: [fullGeneration], nextCursor: "c"), GenerationPage(data: [], nextCursor: nil)),
        (
            "GenerationEvent", GenerationEvent(id: 1, generationId: UUID(), status: .failed, progress: 0, errorMessage: "x", createdAt: now),
            GenerationEvent(id: 1, generationId: UUID(), status: .queued, progress: 0, errorMessage: nil, createdAt: now)
        ),
        (
            "Batch", batch,
            BatchBody(
                id: UUID(), status: .running, itemCount: 1, counts: BatchCounts(), costUsd: 0, expectedCostUsd: 0, createdAt: now, cancelledAt: nil,
                completedAt: nil, estimatedCompletionAt: nil)
        ),
        ("BatchPage", BatchPage(data: [batch], nextCursor: "c"), BatchPage(data: [], nextCursor: nil)),
        (
            "BatchResultLine",
            BatchResultLine(index: 0, generationId: UUID(), status: .failed, errorCode: "model_failed", errorMessage: "x", images: [image]),
            BatchResultLine(index: 1, generationId: UUID(), status: .queued, errorCode: nil, errorMessage: nil, images: [])
        ),
        (
            "QueueEvent", QueueEvent(generationId: UUID(), paused: false, estimate: QueueEstimate(position: 3, startAt: now, completionAt: now)),
            QueueEvent(generationId: UUID(), paused: true, estimate: QueueEstimate())
        ),
        (
            "StreamToken", StreamTokenBody(token: "t", expiresAt: now, eventsUrl: "/v1/generations/x/events?token=t"),
            StreamTokenBody(token: "t", expiresAt: now, eventsUrl: "/e")
        ),
        (
            "WebhookSecret", WebhookSecretBody(secret: "whsec_AAAA", previousSecretValidUntil: now),
            WebhookSecretBody(secret: "whsec_AAAA", previousSecretValidUntil: nil)
        ),
        (
            "WebhookDelivery", delivery,
            WebhookDeliveryAttempt(webhookId: "msg_1", event: "start", attempt: 1, statusCode: nil, durationMs: 1, error: nil, nextAttemptAt: nil)
        ),
        ("WebhookDeliveryList", WebhookDeliveryList(data: [delivery]), WebhookDeliveryList(data: [])),
        ("UsageRow", usageRow, UsageRow(key: "m", generations: 0, completed: 0, images: 0, costUsd: nil, unpricedGenerations: 0)),
        (
            "Usage", usage,
            UsageReport(from: now, to: now, groupBy: "day", data: [])
        ),
        ("InputFile", inputFile, inputFile),
        (
            "ApiKey",
            ApiKeyBody(
                id: UUID(), name: "backend", hint: "igk_AbCdEf…", scopes: [.generate, .read], createdAt: now, expiresAt: now, lastUsedAt: now,
                revokedAt: now, ratePerMinute: 60, monthlyBudgetUsd: 20, spentUsd: 1.5, key: "igk_x"),
            ApiKeyBody(id: UUID(), name: "b", hint: "igk_x…", scopes: [.read], createdAt: now, expiresAt: nil, lastUsedAt: nil, revokedAt: nil)
        ),
        ("ApiKeyList", ApiKeyList(data: []), ApiKeyList(data: [])),
        (
            "AccountWebhook", AccountWebhookBody(url: "https://example.com/budget", updatedAt: now, deliveries: [delivery]),
            AccountWebhookBody(url: "https://example.com/budget", updatedAt: now, deliveries: [])
        ),
        (
            "BudgetThresholdEvent",
            WebhookEvent(
                type: "budget.threshold", timestamp: now,
                subject: BudgetThresholdBody(
                    userId: UUID(), month: "2026-12", thresholdPercent: 80, budgetUsd: 10, spentUsd: 8.1, crossedAt: now, projectId: UUID())),
            WebhookEvent(
                type: "budget.threshold", timestamp: now,
                subject: BudgetThresholdBody(userId: UUID(), month: "2026-12", thresholdPercent: 50, budgetUsd: 1, spentUsd: 0.5, crossedAt: now))
        ),
        ("InputFileList", InputFileList(data: [inputFile]), InputFileList(data: [])),
        (
            "InputFileUpload",
            InputFileUploadBody(
                id: UUID(), uploadUrl: "https://s3/x?X-Amz-Signature=y", method: "PUT", expiresAt: now, completeUrl: "/c", maxBytes: 1),
            InputFileUploadBody(id: UUID(), uploadUrl: "https://s3/x", method: "PUT", expiresAt: now, completeUrl: "/c", maxBytes: 1)
        ),
        (
            "Problem",
            ProblemDetails(type: "about:blank", title: "Invalid", status: 422, detail: "bad", errors: [.init(field: "prompt", message: "empty")]),
            ProblemDetails(type: "about:blank", title: "Not found", status: 404, detail: "no")
        ),
    ]

    @Test(
        "Every response schema accepts an encoded example of its Swift type, with all optional fields and with none",
        arguments: OpenAPIContractTests.examples.indices)
    func schemaAcceptsExamples(_ index: Int) throws {
        let example = Self.examples[index]
        for value in [example.full, example.bare] {
            let json = try JSONSerialization.jsonObject(with: try JSONCoding.encoder().encode(value))
            var problems: [String] = []
            Self.validate(json, against: Self.schemas[example.schema] as Any, at: example.schema, problems: &problems)
            #expect(problems.isEmpty, "\(problems.joined(separator: "\n"))")
        }
    }

    @Test("Every schema declares exactly the properties its Swift type sends", arguments: OpenAPIContractTests.examples.indices)
    func schemaDeclaresWhatIsSent(_ index: Int) throws {
        let example = Self.examples[index]
        let sent = try JSONSerialization.jsonObject(with: try JSONCoding.encoder().encode(example.full)) as! [String: Any]
        let schema = Self.resolve(Self.schemas[example.schema] as Any) as! [String: Any]
        let declared = Set((schema["properties"] as? [String: Any] ?? [:]).keys)
        #expect(
            Set(sent.keys) == declared,
            "\(example.schema): sent \(Set(sent.keys).subtracting(declared)), declared only \(declared.subtracting(sent.keys))")
    }

    @Test("The document's request limits and enums are the ones the gateway enforces")
    func limitsComeFromTheCode() throws {
        let request = (Self.schemas["GenerationRequest"] as! [String: Any])["properties"] as! [String: [String: Any]]
        #expect(request["prompt"]?["maxLength"] as? Int == RequestLimits.promptLength)
        #expect(request["width"]?["minimum"] as? Int == RequestLimits.size.lowerBound)
        #expect(request["width"]?["maximum"] as? Int == RequestLimits.size.upperBound)
        #expect(request["priority"]?["maximum"] as? Int == RequestLimits.priority.upperBound)
        #expect((request["webhook_events_filter"]?["items"] as? [String: Any])?["enum"] as? [String] == RequestLimits.webhookEvents)
        let statuses = (Self.schemas["GenerationStatus"] as! [String: Any])["enum"] as? [String]
        #expect(statuses == GenerationStatus.allCases.map(\.rawValue))
        // And the gateway refuses just past each limit the document states.
        let past: [(String, JSONValue)] = [
            ("prompt", .string(String(repeating: "a", count: RequestLimits.promptLength + 1))),
            ("width", .int(RequestLimits.size.upperBound + 1)), ("priority", .int(RequestLimits.priority.upperBound + 1)),
            ("num_outputs", .int(RequestLimits.outputs.upperBound + 1)), ("seed", .int(RequestLimits.seed.lowerBound - 1)),
        ]
        for (field, value) in past {
            var body: [String: JSONValue] = ["prompt": "a lighthouse", "model_id": "black-forest-labs/flux-schnell"]
            body[field] = value
            #expect(throws: ValidationFailure.self, "\(field)") { try GenerationRequest.validate(body) }
        }
    }

    static func resolve(_ schema: Any) -> Any {
        guard let object = schema as? [String: Any], let ref = object["$ref"] as? String else { return schema }
        return resolve(schemas[String(ref.split(separator: "/").last!)] as Any)
    }

    /// The subset of JSON Schema the document uses: $ref, allOf, type (with null), required, properties, items, enum,
    /// minimum/maximum, and the uuid and date-time formats.
    static func validate(_ value: Any, against raw: Any, at path: String, problems: inout [String]) {
        guard let schema = resolve(raw) as? [String: Any] else { return problems.append("\(path): no schema") }
        for part in schema["allOf"] as? [Any] ?? [] { validate(value, against: part, at: path, problems: &problems) }
        if let types = schema["type"].map({ $0 as? [String] ?? [$0 as! String] }), !types.contains(where: { matches(value, $0) }) {
            return problems.append("\(path): \(value) is not \(types)")
        }
        if let allowed = schema["enum"] as? [Any], !allowed.contains(where: { "\($0)" == "\(value)" }) {
            problems.append("\(path): \(value) is not one of \(allowed)")
        }
        if let number = value as? Double {
            if let minimum = schema["minimum"] as? Double, number < minimum { problems.append("\(path): \(number) < \(minimum)") }
            if let maximum = schema["maximum"] as? Double, number > maximum { problems.append("\(path): \(number) > \(maximum)") }
        }
        if let string = value as? String {
            if schema["format"] as? String == "uuid", UUID(uuidString: string) == nil || string != string.lowercased() {
                problems.append("\(path): \(string) is not a lowercase uuid")
            }
            if schema["format"] as? String == "date-time", Timestamp.parse(string) == nil { problems.append("\(path): \(string) is not a date-time") }
        }
        if let object = value as? [String: Any] {
            for key in schema["required"] as? [String] ?? [] where object[key] == nil { problems.append("\(path): \(key) is required") }
            let properties = schema["properties"] as? [String: Any] ?? [:]
            for (key, member) in object {
                if let property = properties[key] { validate(member, against: property, at: "\(path).\(key)", problems: &problems) }
            }
        }
        if let array = value as? [Any], let items = schema["items"] {
            for (index, item) in array.enumerated() { validate(item, against: items, at: "\(path)[\(index)]", problems: &problems) }
        }
    }

    static func matches(_ value: Any, _ type: String) -> Bool {
        switch type {
        case "null": value is NSNull
        case "object": value is [String: Any]
        case "array": value is [Any]
        case "string": value is String
        case "boolean": value is Bool
        case "integer": (value as? NSNumber).map { $0.doubleValue == $0.doubleValue.rounded() } ?? false
        case "number": value is NSNumber
        default: false
        }
    }
}
