import Foundation
import WireFormat

/// A generation as the API shows it (`GET /v1/generations/{id}`, lists, and the body of its webhooks), with its stored
/// images; the gateway builds it from the row, and clients decode it.
package struct GenerationBody: Sendable, Codable, Equatable {
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
    /// What the request asked of the model's safety checker and file format (absent: the model's defaults).
    package var safetyLevel: String?
    package var outputFormat: String?
    package var strength: Double?
    package var numOutputs: Int
    package var priority: Int
    package var status: GenerationStatus
    package var progress: Int
    /// Why it failed, for programs; `errorMessage` says it in words.
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
    package var webhook: String?
    package var webhookEventsFilter: [String]?
    /// When it must have finished: not started by then it fails `timed_out` without running; started, it is cancelled then.
    package var deadlineAt: Date?
    /// The batch it was made in (`POST /v1/batches`); absent for a generation made on its own.
    package var batchId: UUID?
    /// True while it waits to start because an operator paused its model or generation itself; absent otherwise.
    package var paused: Bool?
    /// While it waits: how many generations start before it (in the order they are claimed, as of at most 5 s ago; to
    /// within a thousandth of a long queue).
    package var queuePosition: Int?
    /// When it should start (while it waits, from how fast the queue drains) and finish (from what its model takes lately).
    package var estimatedStartAt: Date?
    package var estimatedCompletionAt: Date?
    /// The stored images (each `public_url` a link a client can fetch now).
    package var images: [ImageBody]?

    package init(
        id: UUID, userId: UUID, prompt: String, negativePrompt: String?, model: String, modelId: String, modelAlias: String?, modelVersion: String?,
        style: String?, width: Int, height: Int, steps: Int, guidanceScale: Double, seed: Int?, sourceImageUrl: String?, strength: Double?,
        numOutputs: Int, priority: Int, status: GenerationStatus, progress: Int, errorCode: String?, errorMessage: String?,
        generationTimeSeconds: Int?, replicatePredictionId: String?, outputUrls: [String]?, predictTime: Double?, cost: Double?, createdAt: Date,
        updatedAt: Date, completedAt: Date?, webhook: String?, webhookEventsFilter: [String]?, deadlineAt: Date?,
        batchId: UUID? = nil, paused: Bool? = nil, estimate: QueueEstimate = QueueEstimate(), images: [ImageBody]?
    ) {
        self.id = id
        self.userId = userId
        self.prompt = prompt
        self.negativePrompt = negativePrompt
        self.model = model
        self.modelId = modelId
        self.modelAlias = modelAlias
        self.modelVersion = modelVersion
        self.style = style
        self.width = width
        self.height = height
        self.steps = steps
        self.guidanceScale = guidanceScale
        self.seed = seed
        self.sourceImageUrl = sourceImageUrl
        self.strength = strength
        self.numOutputs = numOutputs
        self.priority = priority
        self.status = status
        self.progress = progress
        self.errorCode = errorCode
        self.errorMessage = errorMessage
        self.generationTimeSeconds = generationTimeSeconds
        self.replicatePredictionId = replicatePredictionId
        self.outputUrls = outputUrls
        self.predictTime = predictTime
        self.cost = cost
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.completedAt = completedAt
        self.webhook = webhook
        self.webhookEventsFilter = webhookEventsFilter
        self.deadlineAt = deadlineAt
        self.batchId = batchId
        self.paused = paused
        queuePosition = estimate.position
        estimatedStartAt = estimate.startAt
        estimatedCompletionAt = estimate.completionAt
        self.images = images
    }
}

/// A stored image as the API shows it.
package struct ImageBody: Sendable, Codable, Equatable {
    package var id: UUID
    package var generationId: UUID
    package var userId: UUID
    package var outputIndex: Int
    package var filename: String
    package var storagePath: String
    /// Where the bytes are served (signed and expiring, unless the operator made files public).
    package var publicUrl: String
    package var fileSize: Int
    package var width: Int
    package var height: Int
    package var format: String
    package var contentType: String
    package var sha256: String
    package var createdAt: Date

    package init(
        id: UUID, generationId: UUID, userId: UUID, outputIndex: Int, filename: String, storagePath: String, publicUrl: String, fileSize: Int,
        width: Int, height: Int, format: String, contentType: String, sha256: String, createdAt: Date
    ) {
        self.id = id
        self.generationId = generationId
        self.userId = userId
        self.outputIndex = outputIndex
        self.filename = filename
        self.storagePath = storagePath
        self.publicUrl = publicUrl
        self.fileSize = fileSize
        self.width = width
        self.height = height
        self.format = format
        self.contentType = contentType
        self.sha256 = sha256
        self.createdAt = createdAt
    }
}

/// `GET /v1/generations`: newest first, a page at a time.
package struct GenerationPage: Sendable, Codable, Equatable {
    package var data: [GenerationBody]
    /// Pass as `cursor` for the next page; absent on the last.
    package var nextCursor: String?

    package init(data: [GenerationBody], nextCursor: String?) {
        self.data = data
        self.nextCursor = nextCursor
    }
}

/// One entry of a generation's event log: an event of `GET /v1/generations/{id}/events` (Server-Sent Events).
package struct GenerationEvent: Sendable, Codable, Equatable {
    package var id: Int64
    package var generationId: UUID
    package var status: GenerationStatus
    package var progress: Int
    package var errorMessage: String?
    package var createdAt: Date

    package init(id: Int64, generationId: UUID, status: GenerationStatus, progress: Int, errorMessage: String?, createdAt: Date) {
        self.id = id
        self.generationId = generationId
        self.status = status
        self.progress = progress
        self.errorMessage = errorMessage
        self.createdAt = createdAt
    }
}

/// Where a generation stands while it is unfinished: a `queue` event of its event stream, sent when any of it changes (at
/// most about once a second). It has no event id: resuming a stream replays `status` events only.
package struct QueueEvent: Sendable, Codable, Equatable {
    package var generationId: UUID
    /// True while it waits to start because an operator paused its model or generation itself.
    package var paused: Bool
    package var queuePosition: Int?
    package var estimatedStartAt: Date?
    package var estimatedCompletionAt: Date?

    package init(generationId: UUID, paused: Bool, estimate: QueueEstimate) {
        self.generationId = generationId
        self.paused = paused
        queuePosition = estimate.position
        estimatedStartAt = estimate.startAt
        estimatedCompletionAt = estimate.completionAt
    }
}

/// `POST /v1/generations/{id}/stream-token`: a short-lived token for one generation's event stream (for EventSource,
/// which cannot send an Authorization header).
package struct StreamTokenBody: Sendable, Codable, Equatable {
    package var token: String
    package var expiresAt: Date
    /// The event stream's path with the token: give it to EventSource as it is.
    package var eventsUrl: String

    package init(token: String, expiresAt: Date, eventsUrl: String) {
        self.token = token
        self.expiresAt = expiresAt
        self.eventsUrl = eventsUrl
    }
}

/// Where an unfinished generation stands: its place in the queue and when it should start and finish (each nil when not
/// known or not waiting).
package struct QueueEstimate: Sendable, Equatable {
    package var position: Int?
    package var startAt: Date?
    package var completionAt: Date?

    package init(position: Int? = nil, startAt: Date? = nil, completionAt: Date? = nil) {
        self.position = position
        self.startAt = startAt
        self.completionAt = completionAt
    }
}
