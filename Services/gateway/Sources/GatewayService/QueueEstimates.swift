import Catalog
import Foundation
import Generations
import JobQueue
import PublicAPI
import Synchronization

/// Where an unfinished generation stands: its place among the generations waiting to start (in the claim's own order),
/// when it should start at the rate the queue drained in the last minute, and when it should finish at what its model
/// takes lately (learned, `ModelTimingStore`). The drain rate and the timings are read at most every few seconds.
final class QueueEstimates: Sendable {
    private let queue: JobQueue
    private let timings: ModelTimingStore
    private let drain = Mutex<(at: ContinuousClock.Instant, perSecond: Double)?>(nil)
    private let loaded = Mutex<ContinuousClock.Instant?>(nil)

    init(queue: JobQueue, timings: ModelTimingStore) {
        self.queue = queue
        self.timings = timings
    }

    func estimate(_ generation: Generation, paused: Bool, now: Date = Date()) async throws -> QueueEstimate {
        guard let model = ModelCatalog.model(generation.modelId), !generation.status.isTerminal else { return QueueEstimate() }
        let run = try await timing(of: model).runP50
        switch generation.status {
        case .pending, .queued:
            let position = try await queue.position(type: GenerateImage.name, dedupeKey: GenerateImage.dedupeKey(generation.id))
            let rate = try await drainRate()
            guard let position, !paused, rate > 0 else { return QueueEstimate(position: position) }
            let start = now.addingTimeInterval(Double(position + 1) / rate)
            return QueueEstimate(position: position, startAt: start, completionAt: start.addingTimeInterval(run))
        case .processing:
            let started = generation.createStartedAt ?? generation.updatedAt
            return QueueEstimate(completionAt: max(now, started.addingTimeInterval(run)))
        default:
            return QueueEstimate()
        }
    }

    /// Generations started per second lately (the generate jobs that finished in the last minute), read every 5 s.
    private func drainRate() async throws -> Double {
        let now = ContinuousClock.now
        if let cached = drain.withLock({ $0 }), now - cached.at < .seconds(5) { return cached.perSecond }
        let perSecond = Double(try await queue.finishedLastMinute(type: GenerateImage.name)) / 60
        drain.withLock { $0 = (now, perSecond) }
        return perSecond
    }

    /// `model`'s learned timing, the timings read every 30 s.
    private func timing(of model: ModelSpec) async throws -> ModelTiming {
        let now = ContinuousClock.now
        let due = loaded.withLock { last in
            guard last.map({ now - $0 >= .seconds(30) }) ?? true else { return false }
            last = now
            return true
        }
        if due { _ = try await timings.load() }
        return timings.timing(of: model)
    }
}
