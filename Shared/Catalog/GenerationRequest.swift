import Foundation
import PublicAPI
import WireFormat

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
    /// The inpainting mask (white: repaint), for models with a mask input; it needs `sourceImageUrl`.
    package var maskImageUrl: String?
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
    /// When the generation must have finished (`deadline`, RFC 3339, in the future).
    package var deadline: Date?
    /// How strict the model's safety checker is to be (``SafetyLevel``); nil: the model's default.
    package var safetyLevel: SafetyLevel?
    /// The file format asked of a model that lets one choose (`png`, `jpg`, `webp`); nil: the catalog's choice.
    package var outputFormat: String?
    /// The model's unit price when the request was admitted, set by the gateway from the operator's override (never
    /// from the request); nil: the catalog's price.
    package var priceUsd: Double?

    package init(
        prompt: String, modelId: String, modelVersion: String?, width: Int, height: Int, numInferenceSteps: Int?, guidanceScale: Double?,
        seed: Int?, negativePrompt: String?, sourceImageUrl: String?, strength: Double?, style: String?, numOutputs: Int, priority: Int,
        webhook: String? = nil, webhookEventsFilter: [String]? = nil, deadline: Date? = nil
    ) {
        self.deadline = deadline
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
        "negative_prompt", "source_image_url", "mask_image_url", "strength", "style", "num_outputs", "priority", "webhook", "webhook_events_filter",
        "deadline", "safety_level", "output_format",
    ]
    package static let maxPromptLength = RequestLimits.promptLength
    /// What `output_format` may ask for.
    package static let outputFormats = ["png", "jpg", "webp"]

    /// Validates a JSON body against the catalog; throws ``ValidationFailure`` naming every offending
    /// field and the reason. `webhookOrigins` are the plain-http or private origins webhooks may also use.
    package static func validate(_ body: [String: JSONValue], webhookOrigins: Set<String> = []) throws(ValidationFailure) -> GenerationRequest {
        var reader = FieldReader(body, allowed: fields)
        let prompt = reader.requiredString("prompt", maxLength: maxPromptLength)?.trimmingCharacters(in: .whitespacesAndNewlines)
        if prompt?.isEmpty == true { reader.fail("prompt", "must not be empty") }
        let (modelID, model, version) = readModel(&reader)
        let width = reader.int("width", RequestLimits.size) ?? RequestLimits.defaultSize
        let height = reader.int("height", RequestLimits.size) ?? RequestLimits.defaultSize
        let steps = reader.int("num_inference_steps", RequestLimits.steps)
        let guidance = reader.double("guidance_scale", RequestLimits.guidance)
        let seed = reader.int("seed", RequestLimits.seed)
        let negativePrompt = reader.string("negative_prompt", maxLength: maxPromptLength)
        let source = reader.string("source_image_url", maxLength: SourceImage.maxDataURILength)
        if let source, let problem = SourceImage.problem(source) { reader.fail("source_image_url", problem) }
        let mask = reader.string("mask_image_url", maxLength: SourceImage.maxDataURILength)
        if let mask, let problem = SourceImage.problem(mask) { reader.fail("mask_image_url", problem) }
        if mask != nil && source == nil { reader.fail("mask_image_url", "requires source_image_url (the image the mask applies to)") }
        let strength = reader.double("strength", RequestLimits.strength)
        if strength != nil && source == nil { reader.fail("strength", "requires source_image_url") }
        let style = reader.string("style", maxLength: RequestLimits.styleLength)
        let numOutputs = reader.int("num_outputs", RequestLimits.outputs) ?? 1
        let priority = reader.int("priority", RequestLimits.priority) ?? 0
        let (webhook, eventsFilter) = readWebhook(&reader, allowedOrigins: webhookOrigins)
        let deadline = reader.string("deadline", maxLength: 64).flatMap { raw -> Date? in
            guard let date = Timestamp.parse(raw) else {
                reader.fail("deadline", "must be an RFC 3339 time such as 2026-12-05T18:30:00Z, got '\(raw)'")
                return nil
            }
            // Whether it is still ahead is the gateway's to say (`Deadlines`): a retry of a request that was accepted is
            // answered as it was, whenever it comes.
            return date
        }
        let safety = reader.string("safety_level", maxLength: 16).flatMap { raw -> SafetyLevel? in
            guard let level = SafetyLevel(rawValue: raw) else {
                reader.fail("safety_level", "must be one of \(SafetyLevel.allCases.map(\.rawValue).joined(separator: ", ")), got '\(raw)'")
                return nil
            }
            return level
        }
        let format = reader.string("output_format", maxLength: 16)
        if let format, !Self.outputFormats.contains(format) {
            reader.fail("output_format", "must be one of \(Self.outputFormats.joined(separator: ", ")), got '\(format)'")
        }
        if let model {
            check(&reader, against: model, steps: steps, guidance: guidance, source: source, mask: mask, numOutputs: numOutputs, style: style)
            if let format, Self.outputFormats.contains(format), let problem = model.outputFormatProblem(format) {
                reader.fail("output_format", problem)
            }
        }
        guard reader.errors.isEmpty, let prompt, let modelID else { throw ValidationFailure(reader.errors) }
        var request = GenerationRequest(
            prompt: prompt, modelId: modelID, modelVersion: version, width: width, height: height,
            numInferenceSteps: steps, guidanceScale: guidance, seed: seed, negativePrompt: negativePrompt,
            sourceImageUrl: source, strength: strength, style: style, numOutputs: numOutputs, priority: priority,
            webhook: webhook, webhookEventsFilter: webhook == nil ? nil : eventsFilter ?? ["completed"], deadline: deadline
        )
        request.maskImageUrl = mask
        request.safetyLevel = safety
        request.outputFormat = format
        return request
    }

    /// `model_id` (a catalog model) and `model_version` (only the version the catalog lists for a community model).
    private static func readModel(_ reader: inout FieldReader) -> (id: String?, model: ModelSpec?, version: String?) {
        let modelID = reader.requiredString("model_id", maxLength: RequestLimits.modelIDLength)
        let model = modelID.flatMap { ModelCatalog.model($0) }
        if let modelID, model == nil {
            let names = ModelCatalog.all.map(\.id) + ModelAlias.all.map(\.name)
            reader.fail("model_id", "unknown model '\(modelID)'; available: \(names.joined(separator: ", "))")
        }
        let version = reader.string("model_version", maxLength: 64)
        if let version, let model {
            if let listed = model.version {
                if version != listed { reader.fail("model_version", "\(model.displayName) runs version \(listed) only, got '\(version)'") }
            } else {
                reader.fail("model_version", "\(model.displayName) is an official model that always runs its latest version; omit model_version")
            }
        }
        return (modelID, model, version)
    }

    /// `webhook` (see ``WebhookTarget``) and `webhook_events_filter` (which events; it needs a webhook).
    private static func readWebhook(_ reader: inout FieldReader, allowedOrigins: Set<String>) -> (url: String?, events: [String]?) {
        let webhook = reader.string("webhook", maxLength: WebhookTarget.maxURLLength)
        if let webhook, let problem = WebhookTarget.problem(webhook, allowedOrigins: allowedOrigins) { reader.fail("webhook", problem) }
        guard let raw = reader.value("webhook_events_filter") else { return (webhook, nil) }
        guard case .array(let items) = raw, !items.isEmpty, items.allSatisfy({ $0.string.map(WebhookTarget.events.contains) == true }) else {
            reader.fail("webhook_events_filter", "must be a non-empty array of \(WebhookTarget.events.joined(separator: ", "))")
            return (webhook, nil)
        }
        if webhook == nil { reader.fail("webhook_events_filter", "requires webhook") }
        return (webhook, WebhookTarget.events.filter { event in items.contains(.string(event)) })
    }

    /// What the chosen model accepts: its step and guidance ranges, image-to-image, outputs per request, styles.
    private static func check(
        _ reader: inout FieldReader, against model: ModelSpec, steps: Int?, guidance: Double?, source: String?, mask: String?, numOutputs: Int,
        style: String?
    ) {
        if let steps, let range = model.range(of: model.stepsInput) {
            if let lower = range.min, Double(steps) < lower {
                reader.fail("num_inference_steps", "\(model.displayName) takes at least \(Int(lower)) steps, got \(steps)")
            }
            if let upper = range.max, Double(steps) > upper {
                reader.fail("num_inference_steps", "\(model.displayName) takes at most \(Int(upper)) steps, got \(steps)")
            }
        }
        if let guidance, let range = model.range(of: model.guidanceInput) {
            if let lower = range.min, guidance < lower {
                reader.fail("guidance_scale", "\(model.displayName) takes guidance of at least \(lower), got \(guidance)")
            }
            if let upper = range.max, guidance > upper {
                reader.fail("guidance_scale", "\(model.displayName) takes guidance of at most \(upper), got \(guidance)")
            }
        }
        if source != nil && !model.supportsImageToImage {
            let capable = ModelCatalog.all.filter(\.supportsImageToImage).map(\.id).joined(separator: ", ")
            reader.fail("source_image_url", "\(model.displayName) does not support image-to-image; models that do: \(capable)")
        }
        if mask != nil && source != nil && model.maskInput == nil {
            let capable = ModelCatalog.all.filter { $0.maskInput != nil }.map(\.id).joined(separator: ", ")
            reader.fail("mask_image_url", "\(model.displayName) takes no mask; models that do: \(capable)")
        }
        if source != nil && mask == nil && model.imageNeedsMask {
            reader.fail("mask_image_url", "\(model.displayName) edits an image only by inpainting: send mask_image_url with source_image_url")
        }
        if numOutputs > model.maxOutputs {
            reader.fail("num_outputs", "\(model.displayName) makes at most \(model.maxOutputs) image(s) per request, got \(numOutputs)")
        }
        if let style, let input = model.styleInput, case .choice(let options)? = model.field(input)?.kind, !options.contains(style) {
            reader.fail("style", "\(model.displayName) takes one of: \(options.joined(separator: ", ")); got '\(style)'")
        }
    }
}
