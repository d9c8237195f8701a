import Catalog
import Foundation
import Generations
import JobQueue
import PublicAPI
import ServiceLifecycle
import Synchronization

/// Where an unfinished generation stands: its place among the generations waiting to start (in the claim's own order),
/// when it should start at the rate the queue drained in the last minute, and when it should finish at what its model
/// takes lately (learned, `ModelTimingStore`). Requests only read what this keeps in memory: a sample of the waiting
/// jobs in claim order (about 1,000 of them, so a place is exact in a short queue and to within the sample's spacing in
/// a long one), the drain rate and the timings, refreshed in the background every 5 s (timings every 30 s) while
/// anyone asked in the last minute; a gateway nobody polls reads nothing.
final class QueueEstimates: Service, Sendable {
    struct Snapshot: Sendable {
        var sample: [ClaimKey] = []
        var spacing = 1
        var drainPerSecond = 0.0
        /// When the sample and the drain rate were read: a start is estimated from then, so every estimate from one
        /// snapshot agrees (a later look at the same figures is not a later start).
        var takenAt = Date.distantPast
        var timings: [String: ModelTiming] = [:]
        var timingsAt: ContinuousClock.Instant?
    }

    private let queue: JobQueue
    private let timings: ModelTimingStore
    private let snapshot = Mutex<Snapshot?>(nil)
    private let lastAsked = Mutex<ContinuousClock.Instant?>(nil)
    /// The first read, shared by every request that comes before it ends.
    private let firstRead = Mutex<Task<Snapshot, any Error>?>(nil)

    init(queue: JobQueue, timings: ModelTimingStore) {
        self.queue = queue
        self.timings = timings
    }

    /// `generation`'s estimate; `claimKey` is its waiting job's place (nil when its job is not waiting).
    func estimate(_ generation: Generation, claimKey: ClaimKey?, paused: Bool, now: Date = Date()) async throws -> QueueEstimate {
        guard let model = ModelCatalog.model(generation.modelId), !generation.status.isTerminal else { return QueueEstimate() }
        // A waiting generation whose job is not placed (a fresh POST) has nothing to estimate yet.
        if generation.status == .pending || generation.status == .queued, claimKey == nil { return QueueEstimate() }
        lastAsked.withLock { $0 = .now }
        let current = try await currentSnapshot()
        let run = current.timings[model.id]?.runP50 ?? model.typicalSeconds
        switch generation.status {
        case .pending, .queued:
            guard let claimKey else { return QueueEstimate() }
            let position = current.sample.prefix { $0.precedes(claimKey) }.count * current.spacing
            guard !paused, current.drainPerSecond > 0 else { return QueueEstimate(position: position) }
            let start = max(now, current.takenAt.addingTimeInterval(Double(position + 1) / current.drainPerSecond))
            return QueueEstimate(position: position, startAt: start, completionAt: start.addingTimeInterval(run))
        case .processing:
            let started = generation.createStartedAt ?? generation.updatedAt
            return QueueEstimate(completionAt: max(now, started.addingTimeInterval(run)))
        default:
            return QueueEstimate()
        }
    }

    private func currentSnapshot() async throws -> Snapshot {
        if let known = snapshot.withLock({ $0 }) { return known }
        let read = firstRead.withLock { task in
            if let task { return task }
            let started = Task { try await self.refresh() }
            task = started
            return started
        }
        do {
            return try await read.value
        } catch {
            firstRead.withLock { $0 = nil }
            throw error
        }
    }

    /// Reads the sample and the drain rate (and the timings when they are 30 s old); returns what it stored.
    @discardableResult
    func refresh() async throws -> Snapshot {
        let (sample, spacing) = try await queue.claimOrderSample(type: GenerateImage.name)
        let drained = try await queue.finishedLastMinute(type: GenerateImage.name)
        var next = snapshot.withLock { $0 } ?? Snapshot()
        next.sample = sample
        next.spacing = spacing
        next.drainPerSecond = Double(drained) / 60
        next.takenAt = Date()
        if next.timingsAt.map({ .now - $0 >= .seconds(30) }) ?? true {
            next.timings = try await timings.load()
            next.timingsAt = .now
        }
        snapshot.withLock { $0 = next }
        return next
    }

    func run() async throws {
        while (try? await cancelWhenGracefulShutdown({ try await Task.sleep(for: .seconds(5)) })) != nil {
            guard let asked = lastAsked.withLock({ $0 }), .now - asked < .seconds(60) else { continue }
            _ = try? await refresh()
        }
    }
}
