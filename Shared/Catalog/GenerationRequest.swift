import WireFormat
import Foundation

/// A validated request for images: the legacy start-generation fields plus `num_outputs` and `priority`.
package struct GenerationRequest: Sendable, Codable, Equatable {
    package var prompt: String
    package var modelId: String
    package var modelVersion: String?
    package var width: Int
    package var height: Int
    package var numInferenceSteps: Int?
    package var guidanceScale: Double?
    package var seed: Int?
    package var negativePrompt: String?
    package var sourceImageUrl: String?
    package var strength: Double?
    package var style: String?
    package var numOutputs: Int
    package var priority: Int
    /// Where the notifier posts this generation's events (`WebhookTarget`), and which (`webhook_events_filter`; default
    /// `completed`).
    package var webhook: String?
    package var webhookEventsFilter: [String]?
    /// The model alias the client asked for (`ModelAlias`), when `modelId` is the variant it chose.
    package var modelAlias: String?

    package init(
        prompt: String, modelId: String, modelVersion: String?, width: Int, height: Int, numInferenceSteps: Int?, guidanceScale: Double?,
        seed: Int?, negativePrompt: String?, sourceImageUrl: String?, strength: Double?, style: String?, numOutputs: Int, priority: Int,
        webhook: String? = nil, webhookEventsFilter: [String]? = nil
    ) {
        self.webhook = webhook
        self.webhookEventsFilter = webhookEventsFilter
        self.prompt = prompt
        self.modelId = modelId
        self.modelVersion = modelVersion
        self.width = width
        self.height = height
        self.numInferenceSteps = numInferenceSteps
        self.guidanceScale = guidanceScale
        self.seed = seed
        self.negativePrompt = negativePrompt
        self.sourceImageUrl = sourceImageUrl
        self.strength = strength
        self.style = style
        self.numOutputs = numOutputs
        self.priority = priority
    }

    /// Fields a client may send.
    package static let fields: Set<String> = [
        "prompt", "model_id", "model_version", "width", "height", "num_inference_steps", "guidance_scale", "seed",
        "negative_prompt", "source_image_url", "strength", "style", "num_outputs", "priority", "webhook", "webhook_events_filter",
    ]
    package static let maxPromptLength = 2000

    /// Validates a JSON body against the catalog; throws ``ValidationFailure`` naming every offending
    /// field and the reason. `webhookOrigins` are the plain-http or private origins webhooks may also use.
    package static func validate(_ body: [String: JSONValue], webhookOrigins: Set<String> = []) throws(ValidationFailure) -> GenerationRequest {
        var errors: [FieldError] = []
        func fail(_ field: String, _ message: String) { errors.append(.init(field: field, message: message)) }
        for key in body.keys.sorted() where !fields.contains(key) {
            fail(key, "unknown field; allowed fields are \(fields.sorted().joined(separator: ", "))")
        }
        func value(_ key: String) -> JSONValue? {
            guard let value = body[key], value != .null else { return nil }
            return value
        }
        func string(_ key: String, maxLength: Int) -> String? {
            guard let raw = value(key) else { return nil }
            guard let text = raw.string else { fail(key, "must be a string, got \(raw.typeName)"); return nil }
            // Characters as JSON Schema counts them (code points), so the documented maxLength is the one enforced.
            let length = text.unicodeScalars.count
            if length > maxLength { fail(key, "must be at most \(maxLength) characters, got \(length)") }
            if text.unicodeScalars.contains("\u{0}") { fail(key, "must not contain NUL characters") }
            return text
        }
        func int(_ key: String, _ range: ClosedRange<Int>) -> Int? {
            guard let raw = value(key) else { return nil }
            let number: Int?
            switch raw {
            case .int(let n): number = n
            case .double(let d) where d == d.rounded() && abs(d) < 1e15: number = Int(d)
            default: number = nil
            }
            guard let number else { fail(key, "must be an integer, got \(raw)"); return nil }
            guard range.contains(number) else {
                fail(key, "must be between \(range.lowerBound) and \(range.upperBound), got \(number)")
                return nil
            }
            return number
        }
        func double(_ key: String, _ range: ClosedRange<Double>) -> Double? {
            guard let raw = value(key) else { return nil }
            guard let number = raw.number, number.isFinite else { fail(key, "must be a number, got \(raw)"); return nil }
            guard range.contains(number) else { fail(key, "must be between \(range.lowerBound) and \(range.upperBound), got \(number)"); return nil }
            return number
        }

        let prompt = string("prompt", maxLength: maxPromptLength)?.trimmingCharacters(in: .whitespacesAndNewlines)
        if body["prompt"] == nil || body["prompt"] == .null { fail("prompt", "is required") }
        else if prompt?.isEmpty == true { fail("prompt", "must not be empty") }
        let modelID = string("model_id", maxLength: 200)
        let model = modelID.flatMap { ModelCatalog.model($0) }
        if body["model_id"] == nil || body["model_id"] == .null { fail("model_id", "is required") }
        else if let modelID, model == nil {
            let names = ModelCatalog.all.map(\.id) + ModelAlias.all.map(\.name)
            fail("model_id", "unknown model '\(modelID)'; available: \(names.joined(separator: ", "))")
        }
        let version = string("model_version", maxLength: 64)
        if let version, let model {
            if let listed = model.version {
                if version != listed { fail("model_version", "\(model.displayName) runs version \(listed) only, got '\(version)'") }
            } else {
                fail("model_version", "\(model.displayName) is an official model that always runs its latest version; omit model_version")
            }
        }
        var width = int("width", 64...4096)
        var height = int("height", 64...4096)
        let steps = int("num_inference_steps", 1...500)
        let guidance = double("guidance_scale", 0...50)
        let seed = int("seed", 0...2_147_483_647)
        let negativePrompt = string("negative_prompt", maxLength: maxPromptLength)
        let source = string("source_image_url", maxLength: SourceImage.maxDataURILength)
        let strength = double("strength", 0...1)
        let style = string("style", maxLength: 100)
        let numOutputs = int("num_outputs", 1...4) ?? 1
        let priority = int("priority", 0...10) ?? 0

        if let source, let problem = SourceImage.problem(source) { fail("source_image_url", problem) }
        let webhook = string("webhook", maxLength: WebhookTarget.maxURLLength)
        if let webhook, let problem = WebhookTarget.problem(webhook, allowedOrigins: webhookOrigins) { fail("webhook", problem) }
        var eventsFilter: [String]?
        if let raw = value("webhook_events_filter") {
            if case .array(let items) = raw, !items.isEmpty, items.allSatisfy({ $0.string.map(WebhookTarget.events.contains) == true }) {
                eventsFilter = WebhookTarget.events.filter { event in items.contains(.string(event)) }
                if webhook == nil { fail("webhook_events_filter", "requires webhook") }
            } else {
                fail("webhook_events_filter", "must be a non-empty array of \(WebhookTarget.events.joined(separator: ", "))")
            }
        }
        if strength != nil && source == nil { fail("strength", "requires source_image_url") }

        if let model {
            if let steps, let range = model.range(of: model.stepsInput) {
                if let lower = range.min, Double(steps) < lower { fail("num_inference_steps", "\(model.displayName) takes at least \(Int(lower)) steps, got \(steps)") }
                if let upper = range.max, Double(steps) > upper { fail("num_inference_steps", "\(model.displayName) takes at most \(Int(upper)) steps, got \(steps)") }
            }
            if let guidance, let range = model.range(of: model.guidanceInput) {
                if let lower = range.min, guidance < lower { fail("guidance_scale", "\(model.displayName) takes guidance of at least \(lower), got \(guidance)") }
                if let upper = range.max, guidance > upper { fail("guidance_scale", "\(model.displayName) takes guidance of at most \(upper), got \(guidance)") }
            }
            if source != nil && !model.supportsImageToImage {
                let capable = ModelCatalog.all.filter(\.supportsImageToImage).map(\.id).joined(separator: ", ")
                fail("source_image_url", "\(model.displayName) does not support image-to-image; models that do: \(capable)")
            }
            if numOutputs > model.maxOutputs {
                fail("num_outputs", "\(model.displayName) makes at most \(model.maxOutputs) image(s) per request, got \(numOutputs)")
            }
            if let style, let input = model.styleInput, case .choice(let options)? = model.field(input)?.kind, !options.contains(style) {
                fail("style", "\(model.displayName) takes one of: \(options.joined(separator: ", ")); got '\(style)'")
            }
        }
        width = width ?? 1024
        height = height ?? 1024
        guard errors.isEmpty, let prompt, let modelID, let width, let height else { throw ValidationFailure(errors) }
        return GenerationRequest(
                prompt: prompt, modelId: modelID, modelVersion: version, width: width, height: height,
                numInferenceSteps: steps, guidanceScale: guidance, seed: seed, negativePrompt: negativePrompt,
                sourceImageUrl: source, strength: strength, style: style, numOutputs: numOutputs, priority: priority,
                webhook: webhook, webhookEventsFilter: webhook == nil ? nil : eventsFilter ?? ["completed"]
        )
    }
}
