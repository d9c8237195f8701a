import PublicAPI
import Storage

extension Generation {
    /// This generation as the API shows it (`GET /v1/generations/{id}`, lists, and the body of its webhooks), with its
    /// stored `images`, each `public_url` a link a client can fetch now (`links`: signed and expiring, unless public);
    /// `paused` when it waits to start on an operator's pause.
    package func body(images: [StoredImage], links: FileLinks, paused: Bool = false, estimate: QueueEstimate = QueueEstimate()) -> GenerationBody {
        var body = GenerationBody(
            id: id, userId: userId, prompt: prompt, negativePrompt: negativePrompt, model: model, modelId: modelId, modelAlias: modelAlias,
            modelVersion: modelVersion, style: style, width: width, height: height, steps: steps, guidanceScale: guidanceScale, seed: seed,
            sourceImageUrl: sourceImageUrl, strength: strength, numOutputs: numOutputs, priority: priority, status: status, progress: progress,
            errorCode: errorCode, errorMessage: errorMessage, generationTimeSeconds: generationTimeSeconds,
            replicatePredictionId: replicatePredictionId, outputUrls: outputUrls, predictTime: predictTime, cost: cost, createdAt: createdAt,
            updatedAt: updatedAt, completedAt: completedAt, webhook: webhook, webhookEventsFilter: webhookEventsFilter,
            deadlineAt: deadlineAt, batchId: batchId, paused: paused ? true : nil, estimate: estimate, images: images.map { $0.body(links: links) }
        )
        body.maskImageUrl = maskImageUrl
        body.safetyLevel = safetyLevel?.rawValue
        body.outputFormat = outputFormat
        return body
    }
}
