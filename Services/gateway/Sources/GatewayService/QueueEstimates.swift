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
    private let sample = Mutex<(at: ContinuousClock.Instant, keys: [ClaimKey])?>(nil)

    init(queue: JobQueue, timings: ModelTimingStore) {
        self.queue = queue
        self.timings = timings
    }

    func estimate(_ generation: Generation, paused: Bool, now: Date = Date()) async throws -> QueueEstimate {
        guard let model = ModelCatalog.model(generation.modelId), !generation.status.isTerminal else { return QueueEstimate() }
        let run = try await timing(of: model).runP50
        switch generation.status {
        case .pending, .queued:
            let position = try await position(of: generation)
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

    /// Counted exactly up to ``exactUpTo``; deeper, placed in a sample of every ``sampleEvery``-th waiting job in the claim's
    /// order, read at most every 5 s (so to within about that many, as of then).
    static let exactUpTo = 1000
    static let sampleEvery = 100

    private func position(of generation: Generation) async throws -> Int? {
        let key = GenerateImage.dedupeKey(generation.id)
        guard let exact = try await queue.position(type: GenerateImage.name, dedupeKey: key, cap: Self.exactUpTo) else { return nil }
        guard exact >= Self.exactUpTo, let mine = try await queue.claimKey(type: GenerateImage.name, dedupeKey: key) else { return exact }
        let now = ContinuousClock.now
        var keys = sample.withLock { cached in cached.flatMap { now - $0.at < .seconds(5) ? $0.keys : nil } }
        if keys == nil {
            let fresh = try await queue.claimOrderSample(type: GenerateImage.name, every: Self.sampleEvery)
            sample.withLock { $0 = (now, fresh) }
            keys = fresh
        }
        let before = keys?.prefix { $0.precedes(mine) }.count ?? 0
        return max(Self.exactUpTo, before * Self.sampleEvery)
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
