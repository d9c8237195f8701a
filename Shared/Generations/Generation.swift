import Catalog
import Foundation
import PostgresNIO
import PublicAPI

/// A generation row (the API shows it as a ``GenerationBody``).
package struct Generation: Sendable, Equatable {
    package var id: UUID
    package var userId: UUID
    package var prompt: String
    package var negativePrompt: String?
    package var model: String
    package var modelId: String
    /// The alias the request named (`fast`), when `modelId` is the variant chosen for its user.
    package var modelAlias: String?
    package var modelVersion: String?
    package var style: String?
    package var width: Int
    package var height: Int
    package var steps: Int
    package var guidanceScale: Double
    package var seed: Int?
    package var sourceImageUrl: String?
    package var maskImageUrl: String?
    package var safetyLevel: SafetyLevel?
    package var outputFormat: String?
    package var strength: Double?
    package var numOutputs: Int
    package var priority: Int
    package var status: GenerationStatus
    package var progress: Int
    /// Why it failed, for programs (`GenerationFailure`); `errorMessage` says it in words.
    package var errorCode: String?
    package var errorMessage: String?
    package var generationTimeSeconds: Int?
    package var replicatePredictionId: String?
    package var outputUrls: [String]?
    package var predictTime: Double?
    package var cost: Double?
    package var createdAt: Date
    package var updatedAt: Date
    package var completedAt: Date?
    /// Where and which events are posted (`webhook`, `webhook_events_filter`); the notifier stops posting after the
    /// receiver answered 410.
    package var webhook: String?
    package var webhookEventsFilter: [String]?
    /// When the first create call that recorded no prediction may have started (the generator's lost-create window;
    /// internal, not in the API's body).
    package var createStartedAt: Date?
    /// When it must have finished (`deadline`, `Cancel-After` or the operator's default); nil: no deadline of its own.
    package var deadlineAt: Date?
    /// The batch it was made in (`POST /v1/batches`), if any.
    package var batchId: UUID?
    /// The model's unit price it was admitted at, when an operator overrode the catalog's (internal).
    package var priceUsd: Double?

    /// Its model as it is billed: the catalog's, at the price it was admitted at.
    package var pricedModel: ModelSpec? { ModelCatalog.model(modelId)?.priced(priceUsd) }

    /// The request this generation was made from. Steps and guidance were stored resolved (the model's default when the
    /// request left them out; 0 where the model has no such input), so an explicit 0 stays 0.
    package var request: GenerationRequest {
        var request = GenerationRequest(
            prompt: prompt, modelId: modelId, modelVersion: modelVersion, width: width, height: height,
            numInferenceSteps: steps == 0 ? nil : steps,
            guidanceScale: ModelCatalog.model(modelId)?.guidanceInput == nil ? nil : guidanceScale, seed: seed,
            negativePrompt: negativePrompt, sourceImageUrl: sourceImageUrl, strength: strength, style: style,
            numOutputs: numOutputs, priority: priority, webhook: webhook, webhookEventsFilter: webhookEventsFilter
        )
        request.maskImageUrl = maskImageUrl
        request.safetyLevel = safetyLevel
        request.outputFormat = outputFormat
        return request
    }

    /// The columns, cast to the types decoded, for every SELECT of a generation.
    package static let columns = """
        id, user_id, prompt, negative_prompt, model, model_id, model_version, style, width, height, steps,
        guidance_scale::float8, seed, source_image_url, strength::float8, num_outputs, priority, status, progress, error_code, error_message,
        generation_time_seconds, replicate_prediction_id, output_urls::text, predict_time, cost::float8, created_at, updated_at,
        completed_at, create_started_at, webhook, webhook_events_filter, model_alias, deadline_at, batch_id, mask_image_url, safety_level, output_format,
        price_usd::float8
        """

    package init(row: PostgresRow) throws {
        let r = row.makeRandomAccess()
        id = try r["id"].decode(UUID.self)
        userId = try r["user_id"].decode(UUID.self)
        prompt = try r["prompt"].decode(String.self)
        negativePrompt = try r["negative_prompt"].decode(String?.self)
        model = try r["model"].decode(String.self)
        modelId = try r["model_id"].decode(String.self)
        modelVersion = try r["model_version"].decode(String?.self)
        style = try r["style"].decode(String?.self)
        width = try r["width"].decode(Int.self)
        height = try r["height"].decode(Int.self)
        steps = try r["steps"].decode(Int.self)
        guidanceScale = try r["guidance_scale"].decode(Double.self)
        seed = try r["seed"].decode(Int?.self)
        sourceImageUrl = try r["source_image_url"].decode(String?.self)
        maskImageUrl = try r["mask_image_url"].decode(String?.self)
        safetyLevel = try r["safety_level"].decode(String?.self).flatMap(SafetyLevel.init(rawValue:))
        outputFormat = try r["output_format"].decode(String?.self)
        strength = try r["strength"].decode(Double?.self)
        numOutputs = try r["num_outputs"].decode(Int.self)
        priority = try r["priority"].decode(Int.self)
        status = GenerationStatus(rawValue: try r["status"].decode(String.self)) ?? .failed
        progress = try r["progress"].decode(Int.self)
        errorCode = try r["error_code"].decode(String?.self)
        errorMessage = try r["error_message"].decode(String?.self)
        generationTimeSeconds = try r["generation_time_seconds"].decode(Int?.self)
        replicatePredictionId = try r["replicate_prediction_id"].decode(String?.self)
        outputUrls = try r["output_urls"].decode(String?.self).flatMap { try? JSONDecoder().decode([String].self, from: Data($0.utf8)) }
        predictTime = try r["predict_time"].decode(Double?.self)
        cost = try r["cost"].decode(Double?.self)
        createdAt = try r["created_at"].decode(Date.self)
        updatedAt = try r["updated_at"].decode(Date.self)
        completedAt = try r["completed_at"].decode(Date?.self)
        createStartedAt = try r["create_started_at"].decode(Date?.self)
        webhook = try r["webhook"].decode(String?.self)
        webhookEventsFilter = try r["webhook_events_filter"].decode([String]?.self)
        modelAlias = try r["model_alias"].decode(String?.self)
        deadlineAt = try r["deadline_at"].decode(Date?.self)
        batchId = try r["batch_id"].decode(UUID?.self)
        priceUsd = try r["price_usd"].decode(Double?.self)
    }
}
