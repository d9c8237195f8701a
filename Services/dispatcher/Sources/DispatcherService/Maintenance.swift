import Foundation
import JobQueue
import Logging
import Metrics
import ServiceLifecycle

/// Periodic queue upkeep: rescue expired leases, dead-letter unroutable types, prune history, export depth and lag.
struct Maintenance: Service {
    let queue: JobQueue
    let knownTypes: [String]
    let retention: Duration
    let logger: Logger

    func run() async throws {
        var tick = 0
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                let rescued = try await queue.rescueExpired()
                if rescued > 0 { Counter(label: "imagegen_dispatcher_leases_rescued_total").increment(by: rescued) }
                if tick % 5 == 0 {
                    let dead = try await queue.deadLetterUnroutable(knownTypes: knownTypes)
                    if dead > 0 { logger.warning("Dead-lettered jobs of unknown types", metadata: ["count": "\(dead)"]) }
                    for stat in try await queue.stats() {
                        let dimensions = [("job_type", stat.jobType), ("status", stat.status)]
                        Gauge(label: "imagegen_queue_jobs", dimensions: dimensions).record(stat.count)
                        if stat.status == "pending" {
                            Gauge(label: "imagegen_queue_lag_seconds", dimensions: [("job_type", stat.jobType)]).record(stat.oldestAvailableAgeSeconds)
                        }
                    }
                }
                if tick % 300 == 0 { try await queue.prune(olderThan: retention) }
            } catch {
                logger.warning("Maintenance pass failed", metadata: ["error": "\(error)"])
            }
            tick += 1
            do {
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(1)) }
            } catch {
                return
            }
        }
    }
}
