import Foundation
import JobContract
import JobQueue

/// The payload of every job a generation goes through: the generation to work on (services load the rest).
package struct GenerationJobPayload: Sendable, Codable, Equatable {
    package var generationId: UUID
    package var userId: UUID

    package init(generationId: UUID, userId: UUID) {
        self.generationId = generationId
        self.userId = userId
    }

    /// The same payload built in SQL from a generation row's columns, for statements that enqueue its job.
    package static func sql(generationID: String, userID: String) -> String {
        "jsonb_build_object('generation_id', \(generationID), 'user_id', \(userID))"
    }
}

/// A job a generation goes through: at most one live job of each kind per generation, found by its dedupe key.
package protocol GenerationJob: JobKind where Payload == GenerationJobPayload {
    /// The dedupe key's prefix (`generate` in `generate:<generation id>`).
    static var keyPrefix: String { get }
}

extension GenerationJob {
    /// The dedupe key of this kind's job for generation `id`.
    package static func dedupeKey(_ id: UUID) -> String { "\(keyPrefix):\(id.uuidString.lowercased())" }

    /// The dedupe key built in SQL from a generation id column.
    package static func dedupeKeySQL(_ generationID: String) -> String { "'\(keyPrefix):' || \(generationID)" }
}

/// `generate-image`, owned by the generator: create (or resume) the prediction and wait for it.
package enum GenerateImage: GenerationJob {
    package static let name = "generate-image"
    package static let keyPrefix = "generate"
}

/// `download-image`, owned by the downloader: fetch, verify and store the outputs.
package enum DownloadImage: GenerationJob {
    package static let name = "download-image"
    package static let keyPrefix = "download"
}

extension GenerationJob {
    /// This kind's job for generation `id`, under its dedupe key.
    package static func job(for id: UUID, userID: UUID, priority: Int = 0, maxAttempts: Int = NewJob.defaultMaxAttempts) throws -> NewJob {
        try NewJob(
            Self.self, payload: GenerationJobPayload(generationId: id, userId: userID), priority: priority, maxAttempts: maxAttempts,
            dedupeKey: dedupeKey(id)
        )
    }
}

/// `delete-files`, owned by the downloader (it owns the files): remove a deleted generation's stored files. Enqueued in
/// the delete's own transaction, so the rows and the promise to remove their files commit together.
package enum DeleteFiles: JobKind {
    package static let name = "delete-files"

    package struct Payload: Sendable, Codable, Equatable {
        package var generationId: UUID
        /// Storage paths, relative to the storage root or prefix.
        package var paths: [String]

        package init(generationId: UUID, paths: [String]) {
            self.generationId = generationId
            self.paths = paths
        }
    }
}
