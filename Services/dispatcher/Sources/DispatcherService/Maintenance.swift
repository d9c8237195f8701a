import Foundation
import Generations
import JobQueue
import Logging
import Metrics
import ServiceLifecycle
import WireFormat

/// Periodic queue upkeep: rescue expired leases, age waiting priorities, dead-letter unknown types (when told to), give
/// unfinished generations with no live job their job back, fail generations whose deadline passed while they waited,
/// end budget reservations whose cost never came, prune history, export depth and lag.
struct Maintenance: Service {
    /// Aging raises priorities up to the highest a request may have.
    static let priorityCeiling = 10
    /// How long a finished generation keeps its budget reservation waiting for its prediction's cost (a cancel Replicate
    /// never confirmed, a prediction nobody follows any more): an hour, when Replicate has long stopped any prediction
    /// and deletes its outputs.
    static let costHoldTimeout: Duration = .seconds(3600)

    let queue: JobQueue
    let generations: GenerationStore
    let config: DispatcherConfig
    let logger: Logger

    func run() async throws {
        var tick = 0
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                let rescued = try await queue.rescueExpired()
                if rescued > 0 { Counter(label: MetricName.dispatcherLeasesRescuedTotal).increment(by: rescued) }
                if tick % 5 == 0 {
                    let types = Array(config.routes.keys)
                    if config.failUnknownTypes {
                        let dead = try await queue.deadLetterUnroutable(knownTypes: types)
                        if dead > 0 { logger.warning("Dead-lettered jobs of unknown types", metadata: ["count": "\(dead)"]) }
                    }
                    if let step = config.priorityAging {
                        let raised = try await queue.agePriorities(types: types, step: step, ceiling: Self.priorityCeiling, floor: -BatchStore.lane)
                        if raised > 0 { Counter(label: MetricName.dispatcherPrioritiesAgedTotal).increment(by: raised) }
                    }
                    try await recordQueueGauges(routedTypes: types)
                    let expired = try await generations.expireDeadlines()
                    if expired > 0 { Counter(label: MetricName.dispatcherDeadlinesExpiredTotal).increment(by: expired) }
                }
                if tick % 30 == 0 {
                    try await generations.sweepOrphans(grace: config.sweepAfter, deadline: config.generationDeadline)
                    let released = try await generations.releaseCostHolds(olderThan: Self.costHoldTimeout)
                    if released > 0 {
                        logger.warning("Released budget reservations whose prediction's cost never came", metadata: ["count": "\(released)"])
                        Counter(label: MetricName.dispatcherCostHoldsReleasedTotal).increment(by: released)
                    }
                }
                if tick % 300 == 0 {
                    try await queue.prune(olderThan: config.retention)
                    try await applyRetention()
                }
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

    /// What is past its retention, counted in `imagegen_dispatcher_retention_removed_total{kind}`: generation events, dead
    /// letters, deleted generations' tombstones and webhook delivery records as the operator set, expired stream tokens
    /// old Replicate webhook ids, expired input files and idle rate buckets always.
    func applyRetention() async throws {
        if let age = config.eventsRetention {
            try await removeAll("events") { try await generations.removeEvents(olderThan: age) }
        }
        if let age = config.deadJobsRetention {
            try await removeAll("dead_jobs") { try await queue.pruneDead(olderThan: age) }
        }
        if let age = config.tombstonesRetention {
            try await removeAll("tombstones") { try await generations.removeTombstones(olderThan: age) }
        }
        if let age = config.deliveriesRetention {
            try await removeAll("webhook_deliveries") { try await generations.removeWebhookDeliveries(olderThan: age) }
        }
        try await removeAll("expired") { try await generations.removeExpired() }
        try await removeAll("rate_buckets") { try await RateBuckets(client: generations.client, logger: generations.logger).removeIdle() }
        try await removeAll("input_files") { try await InputFileStore(client: generations.client, logger: generations.logger).removeExpired() }
    }

    /// Runs `batch` until it removes nothing, and counts what it removed.
    private func removeAll(_ kind: String, batch: () async throws -> Int) async throws {
        var removed = 0
        while case let count = try await batch(), count > 0 { removed += count }
        Counter(label: MetricName.dispatcherRetentionRemovedTotal, dimensions: [("kind", kind)]).increment(by: removed)
    }

    /// Every routed type (and any other with live rows or dead letters) in every state, zeros included: a gauge that is
    /// not written keeps its last value, so a drained queue must be written as empty.
    private func recordQueueGauges(routedTypes: [String]) async throws {
        let stats = try await queue.stats()
        var counts: [String: [String: QueueStat]] = [:]
        for stat in stats { counts[stat.jobType, default: [:]][stat.status] = stat }
        for type in Set(routedTypes).union(counts.keys) {
            for status in ["pending", "processing", "failed"] {
                let stat = counts[type]?[status]
                Gauge(label: MetricName.queueJobs, dimensions: [("job_type", type), ("status", status)]).record(stat?.count ?? 0)
            }
            Gauge(label: MetricName.queueLagSeconds, dimensions: [("job_type", type)]).record(
                counts[type]?["pending"]?.oldestAvailableAgeSeconds ?? 0)
        }
    }
}
