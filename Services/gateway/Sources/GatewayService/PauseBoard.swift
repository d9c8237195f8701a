import Foundation
import Generations
import JobQueue
import PublicAPI

/// The operator's pauses as the gateway shows them (a waiting generation's `paused`, each model's in `/v1/models`), read
/// at most once a second per gateway.
final class PauseBoard: Sendable {
    private let pauses: SharedRead<[DispatchPause]>

    init(queue: JobQueue, refresh: Duration = .seconds(1)) {
        pauses = SharedRead(freshFor: refresh) { try await queue.pauses() }
    }

    /// The pauses in force, as of at most `refresh` ago.
    func current() async throws -> [DispatchPause] {
        try await pauses.value()
    }

    /// Whether `generation` waits to start on a pause of its model or of generation itself.
    func holds(_ generation: Generation, in pauses: [DispatchPause]) -> Bool {
        guard generation.status == .pending || generation.status == .queued else { return false }
        return pauses.contains { ($0.kind == .model && $0.name == generation.modelId) || ($0.kind == .jobType && $0.name == GenerateImage.name) }
    }

    /// Whether `model` is paused.
    func isPaused(model: String, in pauses: [DispatchPause]) -> Bool {
        pauses.contains { $0.kind == .model && $0.name == model }
    }
}
