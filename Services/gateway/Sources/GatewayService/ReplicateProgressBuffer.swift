import Generations
import Logging
import ServiceLifecycle
import Synchronization

/// Progress from Replicate's `logs` webhooks, which may come every half second for every running prediction: kept here,
/// the highest per prediction, and written for all of them in one statement each `interval`. A write per webhook would
/// cost a commit each, and progress is advisory: one lost with a crashed gateway is carried on by the next update or poll.
/// The run times of the predictions webhooks settle go the same way (`timings`, written every `timingsEvery`), so what
/// each model takes is learned from every hand-over, not only the generators' polls.
final class ReplicateProgressBuffer: Service, Sendable {
    private let store: GenerationStore
    let timings: ModelTimingStore
    private let interval: Duration
    private let timingsEvery: Duration
    private let logger: Logger
    private let pending = Mutex<[String: Int]>([:])

    init(store: GenerationStore, interval: Duration = .milliseconds(500), timingsEvery: Duration = .seconds(5), logger: Logger) {
        self.store = store
        timings = ModelTimingStore(client: store.client, logger: logger)
        self.interval = interval
        self.timingsEvery = timingsEvery
        self.logger = logger
    }

    /// Notes that prediction `predictionID` has reached `progress` percent.
    func record(_ predictionID: String, progress: Int) {
        pending.withLock { $0[predictionID] = max($0[predictionID] ?? 0, progress) }
    }

    func run() async throws {
        var sinceTimings = Duration.zero
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            try? await Task.sleep(for: interval)
            await flush()
            sinceTimings += interval
            if sinceTimings >= timingsEvery {
                sinceTimings = .zero
                await flushTimings()
            }
        }
        await flush()
        await flushTimings()
    }

    private func flushTimings() async {
        do {
            try await timings.flush()
        } catch {
            logger.warning("Could not write model timings", metadata: ["error": "\(error)"])
        }
    }

    private func flush() async {
        let batch = pending.withLock { pending in
            defer { pending = [:] }
            return pending
        }
        guard !batch.isEmpty else { return }
        do {
            try await store.applyProgress(batch)
        } catch {
            logger.warning("Could not write webhook progress", metadata: ["predictions": "\(batch.count)", "error": "\(error)"])
        }
    }
}
