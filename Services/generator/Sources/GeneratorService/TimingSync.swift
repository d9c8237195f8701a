import Generations
import Logging
import Metrics
import ServiceLifecycle
import WireFormat

/// Writes this generator's timing samples every `flushEvery` (and at shutdown), and reads what all generators learned
/// every `loadEvery`, exporting it as `imagegen_model_run_seconds{model,quantile}`.
struct TimingSync: Service {
    let timings: ModelTimingStore
    var flushEvery: Duration = .seconds(5)
    var loadEvery: Duration = .seconds(30)
    let logger: Logger

    func run() async throws {
        var sinceLoad = loadEvery
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                try await timings.flush()
                if sinceLoad >= loadEvery {
                    sinceLoad = .zero
                    for (model, timing) in try await timings.load() {
                        Gauge(label: MetricName.modelRunSeconds, dimensions: [("model", model), ("quantile", "0.5")]).record(timing.runP50)
                        Gauge(label: MetricName.modelRunSeconds, dimensions: [("model", model), ("quantile", "0.9")]).record(timing.runP90)
                    }
                }
            } catch {
                logger.warning("Could not sync model timings", metadata: ["error": "\(error)"])
            }
            guard (try? await cancelWhenGracefulShutdown({ try await Task.sleep(for: flushEvery) })) != nil else { break }
            sinceLoad += flushEvery
        }
        try? await timings.flush()
    }
}
