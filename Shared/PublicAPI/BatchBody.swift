import Foundation

/// Where a batch stands: `running` while any item is unfinished, then `completed`, or `cancelled` once cancelled.
package enum BatchStatus: String, Sendable, Codable, CaseIterable {
    case running
    case completed
    case cancelled
}

/// A batch's items by status.
package struct BatchCounts: Sendable, Codable, Equatable {
    package var pending = 0
    package var queued = 0
    package var processing = 0
    package var downloading = 0
    package var completed = 0
    package var failed = 0
    package var cancelled = 0

    package init() {}

    package subscript(status: GenerationStatus) -> Int {
        get {
            switch status {
            case .pending: pending
            case .queued: queued
            case .processing: processing
            case .downloading: downloading
            case .completed: completed
            case .failed: failed
            case .cancelled: cancelled
            }
        }
        set {
            switch status {
            case .pending: pending = newValue
            case .queued: queued = newValue
            case .processing: processing = newValue
            case .downloading: downloading = newValue
            case .completed: completed = newValue
            case .failed: failed = newValue
            case .cancelled: cancelled = newValue
            }
        }
    }
}

/// `GET /v1/batches/{id}`: a batch, its items' counts and cost.
package struct BatchBody: Sendable, Codable, Equatable {
    package var id: UUID
    package var status: BatchStatus
    package var itemCount: Int
    package var counts: BatchCounts
    /// What its finished items cost so far, and what the whole batch was expected to cost (reserved at creation).
    package var costUsd: Double
    package var expectedCostUsd: Double
    package var createdAt: Date
    package var cancelledAt: Date?
    /// When its last item finished, once every item has.
    package var completedAt: Date?
    /// While unfinished: when its last item should finish, at the rate the queue drains and what its model takes lately.
    package var estimatedCompletionAt: Date?
    /// Where its `batch.completed` event is posted.
    package var webhook: String?

    package init(
        id: UUID, status: BatchStatus, itemCount: Int, counts: BatchCounts, costUsd: Double, expectedCostUsd: Double, createdAt: Date,
        cancelledAt: Date?, completedAt: Date?, estimatedCompletionAt: Date?, webhook: String? = nil
    ) {
        self.id = id
        self.status = status
        self.itemCount = itemCount
        self.counts = counts
        self.costUsd = costUsd
        self.expectedCostUsd = expectedCostUsd
        self.createdAt = createdAt
        self.cancelledAt = cancelledAt
        self.completedAt = completedAt
        self.estimatedCompletionAt = estimatedCompletionAt
        self.webhook = webhook
    }
}

/// `GET /v1/batches`: a page of batches, newest first.
package struct BatchPage: Sendable, Codable, Equatable {
    package var data: [BatchBody]
    /// Pass as `cursor` for the next page; absent on the last.
    package var nextCursor: String?

    package init(data: [BatchBody], nextCursor: String?) {
        self.data = data
        self.nextCursor = nextCursor
    }
}

/// One line of `GET /v1/batches/{id}/results` (JSON Lines): an item, by its place in the request.
package struct BatchResultLine: Sendable, Codable, Equatable {
    package var index: Int
    package var generationId: UUID
    package var status: GenerationStatus
    package var errorCode: String?
    package var errorMessage: String?
    package var images: [ImageBody]

    package init(index: Int, generationId: UUID, status: GenerationStatus, errorCode: String?, errorMessage: String?, images: [ImageBody]) {
        self.index = index
        self.generationId = generationId
        self.status = status
        self.errorCode = errorCode
        self.errorMessage = errorMessage
        self.images = images
    }
}
