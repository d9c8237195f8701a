import Foundation
import Generations
import JobQueue
import PublicAPI
import Synchronization

/// The operator's pauses as the gateway shows them (a waiting generation's `paused`, each model's in `/v1/models`), read
/// at most once a second per gateway.
final class PauseBoard: Sendable {
    private let queue: JobQueue
    private let refresh: Duration
    private let last = Mutex<(at: ContinuousClock.Instant, pauses: [DispatchPause])?>(nil)

    init(queue: JobQueue, refresh: Duration = .seconds(1)) {
        self.queue = queue
        self.refresh = refresh
    }

    /// The pauses in force, as of at most `refresh` ago.
    func current() async throws -> [DispatchPause] {
        let now = ContinuousClock.now
        if let cached = last.withLock({ $0 }), now - cached.at < refresh { return cached.pauses }
        let pauses = try await queue.pauses()
        last.withLock { $0 = (now, pauses) }
        return pauses
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
