import Catalog
import Foundation
import Logging
import PostgresNIO
import Synchronization

/// What a model's predictions take and how long its generations wait to start: learned from samples (`model_timings`),
/// the catalog's typical time until there are enough.
package struct ModelTiming: Sendable, Equatable {
    /// Samples below this leave the catalog's figure in use.
    package static let minimumSamples = 5

    /// Run time at Replicate (`metrics.predict_time`): the median and the 90th percentile, in seconds.
    package var runP50: Double
    package var runP90: Double
    /// How many run samples it was learned from (0: the catalog's figure).
    package var runSamples: Int
    /// How long a generation of this model has lately waited before it started, in seconds (nil: not known yet).
    package var queueWait: Double?

    /// Whether it comes from samples (enough of them), not the catalog.
    package var isLearned: Bool { runSamples >= Self.minimumSamples }

    /// When a parked prediction that is not done is polled next, `untilTypicalEnd` seconds before it usually ends. A
    /// learned time is trusted: nothing is asked before the model usually ends. The catalog's figure alone may be far
    /// off, so before that end it never puts a poll later than `pollMax`. Past the usual end, with either, as often as
    /// the spread suggests (a quarter of p90 − p50) while the prediction is due, then less often the later it runs (a
    /// quarter of how late it is: a figure far off costs few polls), from half a second to `pollMax`.
    package func nextPoll(untilTypicalEnd: Double, pollMax: Duration) -> Duration {
        switch (untilTypicalEnd > 1, isLearned) {
        case (true, true): .seconds(untilTypicalEnd)
        case (true, false): min(.seconds(untilTypicalEnd), pollMax)
        case (false, _): min(max(.seconds(max(runP90 - runP50, -untilTypicalEnd) / 4), .milliseconds(500)), pollMax)
        }
    }

    /// The catalog's figure for `model`: its typical time, with a 90th percentile half as long again.
    package init(catalog model: ModelSpec) {
        runP50 = model.typicalSeconds
        runP90 = model.typicalSeconds * 1.5
        runSamples = 0
        queueWait = nil
    }

    package init(runP50: Double, runP90: Double, runSamples: Int, queueWait: Double?) {
        self.runP50 = runP50
        self.runP90 = runP90
        self.runSamples = runSamples
        self.queueWait = queueWait
    }
}

/// Samples collected in one process, written a batch at a time (``ModelTimingStore/flush()``).
package final class ModelTimingStore: Sendable {
    private struct Batch {
        var runs: [String: [Double]] = [:]
        var waits: [String: [Double]] = [:]
    }

    let client: PostgresClient
    let logger: Logger
    private let batch = Mutex(Batch())
    private let known = Mutex<[String: ModelTiming]>([:])

    package init(client: PostgresClient, logger: Logger) {
        self.client = client
        self.logger = logger
    }

    /// A prediction of `model` ran `seconds` at Replicate.
    package func recordRun(_ model: String, seconds: Double) {
        guard seconds.isFinite, seconds > 0 else { return }
        batch.withLock { $0.runs[model, default: []].append(seconds) }
    }

    /// A generation of `model` waited `seconds` before it started.
    package func recordWait(_ model: String, seconds: Double) {
        guard seconds.isFinite, seconds >= 0 else { return }
        batch.withLock { $0.waits[model, default: []].append(seconds) }
    }

    /// Writes the samples collected since the last flush, one statement per model; returns how many models it wrote.
    @discardableResult
    package func flush() async throws -> Int {
        let taken = batch.withLock { current in
            defer { current = Batch() }
            return current
        }
        let models = Set(taken.runs.keys).union(taken.waits.keys)
        for model in models {
            let logs = (taken.runs[model] ?? []).map { Foundation.log($0) }
            let (runMean, runVariance) = Self.moments(logs)
            let waits = taken.waits[model] ?? []
            try await client.query(
                """
                SELECT imagegen_merge_model_timings(\(model), \(logs.count), \(runMean), \(runVariance), \(waits.count), \(Self.moments(waits).mean))
                """,
                logger: logger
            )
        }
        return models.count
    }

    /// Every catalog model's timing, learned where there are enough samples, the catalog's otherwise.
    package func load() async throws -> [String: ModelTiming] {
        var learned: [String: ModelTiming] = [:]
        let rows = try await client.query(
            "SELECT model_id, run_samples, run_log_mean, run_log_var, wait_seconds FROM model_timings", logger: logger)
        for try await (model, samples, mean, variance, wait) in rows.decode((String, Int, Double?, Double?, Double?).self) {
            guard let spec = ModelCatalog.model(model) else { continue }
            var timing = ModelTiming(catalog: spec)
            if samples >= ModelTiming.minimumSamples, let mean, let variance {
                // Log-normal: the median is e^mean, the 90th percentile e^(mean + 1.2816 sd).
                timing = ModelTiming(
                    runP50: exp(mean), runP90: exp(mean + 1.2816 * variance.squareRoot()), runSamples: samples, queueWait: nil)
            }
            timing.queueWait = wait
            learned[model] = timing
        }
        var all: [String: ModelTiming] = [:]
        for model in ModelCatalog.all { all[model.id] = learned[model.id] ?? ModelTiming(catalog: model) }
        known.withLock { $0 = all }
        return all
    }

    /// `model`'s timing as last loaded (the catalog's before the first load).
    package func timing(of model: ModelSpec) -> ModelTiming {
        known.withLock { $0[model.id] } ?? ModelTiming(catalog: model)
    }

    private static func moments(_ values: [Double]) -> (mean: Double, variance: Double) {
        guard !values.isEmpty else { return (0, 0) }
        let mean = values.reduce(0, +) / Double(values.count)
        return (mean, values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(values.count))
    }
}
