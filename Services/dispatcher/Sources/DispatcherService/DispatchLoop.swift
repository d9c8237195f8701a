import Database
import Foundation
import JobContract
import JobQueue
import Logging
import Metrics
import ServiceLifecycle
import WireFormat

/// Claims runnable jobs within per-type limits, pushes each to its route, records the outcome, and keeps leases alive.
/// On graceful shutdown it stops claiming, lets pushes finish within the grace period, then releases what remains.
final class DispatchLoop: Service, Sendable {
    let queue: JobQueue
    let completer: BatchCompleter
    let pusher: JobPusher
    let listener: NotificationListener
    let config: DispatcherConfig
    let logger: Logger
    let inFlight = InFlight()
    let wakeup = Wakeup()
    private let backoff = Backoff(base: .seconds(1), cap: .seconds(300))

    init(queue: JobQueue, completer: BatchCompleter, pusher: JobPusher, listener: NotificationListener, config: DispatcherConfig, logger: Logger) {
        self.queue = queue
        self.completer = completer
        self.pusher = pusher
        self.listener = listener
        self.config = config
        self.logger = logger
    }

    func run() async throws {
        // A graceful shutdown wakes the loop at once, not at the next poll tick (`DISPATCH_POLL_MS` may be long).
        await withGracefulShutdownHandler {
            let types = Array(config.routes.keys)
            await withDiscardingTaskGroup { group in
                group.addTask { await self.forwardNotifications() }
                group.addTask { await self.pollTicker() }
                group.addTask { await self.renewLeases() }
                await withDiscardingTaskGroup { pushes in
                    while !Task.isShuttingDownGracefully && !Task.isCancelled {
                        let running = inFlight.counts
                        var limits: [String: Int] = [:]
                        for type in types { limits[type] = max(0, config.limit(for: type) - running[type, default: 0]) }
                        let jobs: [ClaimedJob]
                        do {
                            jobs = try await queue.claim(limits: limits, worker: config.workerID, lease: config.lease)
                        } catch {
                            logger.warning("Claim failed; retrying", metadata: ["error": "\(error)"])
                            try? await Task.sleep(for: .seconds(1))
                            continue
                        }
                        for job in jobs {
                            inFlight.add(job)
                            Counter(label: MetricName.dispatcherJobsClaimedTotal, dimensions: [("job_type", job.type)]).increment()
                            Timer(
                                label: MetricName.dispatcherPickupLatencySeconds, dimensions: [("job_type", job.type)], preferredDisplayUnit: .seconds
                            )
                            .recordSeconds(max(0, job.claimedAt.timeIntervalSince(job.runAt)))
                            pushes.addTask { await self.dispatch(job) }
                        }
                        let full = limits.values.allSatisfy { $0 == 0 }
                        let drained = jobs.count < limits.values.reduce(0, +)
                        if full || drained { await wakeup.wait() }
                    }
                    // Graceful shutdown: give in-flight pushes the grace period, then hand their jobs back.
                    let deadline = ContinuousClock.now + config.shutdownGrace
                    while !inFlight.isEmpty && ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(50)) }
                    let remaining = inFlight.leases
                    if !remaining.isEmpty {
                        logger.notice("Releasing unfinished jobs at shutdown", metadata: ["count": "\(remaining.count)"])
                        try? await queue.release(remaining)
                    }
                    pushes.cancelAll()
                }
                group.cancelAll()
            }
        } onGracefulShutdown: {
            self.wakeup.signal()
        }
    }

    private func dispatch(_ job: ClaimedJob) async {
        var logger = logger
        logger[metadataKey: "job.id"] = "\(job.id)"
        logger[metadataKey: "job.type"] = "\(job.type)"
        let started = ContinuousClock.now
        let result = await pusher.push(job)
        inFlight.pushEnded(job.lease)
        defer {
            inFlight.remove(job.lease)
            wakeup.signal()
        }
        guard !Task.isCancelled else { return }
        let dimensions = [("job_type", job.type)]
        Timer(label: MetricName.dispatcherRunTimeSeconds, dimensions: dimensions, preferredDisplayUnit: .seconds)
            .record(duration: ContinuousClock.now - started)
        do {
            switch result {
            case .done(let result):
                let text = try result.map { String(decoding: try JSONEncoder().encode($0), as: UTF8.self) }
                let accepted = try await completer.complete(job.lease, result: text)
                if !accepted { logger.warning("Completion rejected: the lease was lost") }
                Counter(label: MetricName.dispatcherJobsCompletedTotal, dimensions: dimensions).increment()
            case .snooze(let delay):
                if try await completer.snooze(job.lease, for: delay) {
                    wakeup.signal(after: delay)
                } else {
                    logger.warning("Snooze rejected: the lease was lost")
                }
                Counter(label: MetricName.dispatcherJobsSnoozedTotal, dimensions: dimensions).increment()
            case .failed(let reason):
                let outcome = try await completer.fail(JobFailure(lease: job.lease, error: reason, retryable: false, delay: .zero))
                logger.warning("Job failed permanently", metadata: ["reason": "\(reason)", "outcome": "\(outcome)"])
                Counter(label: MetricName.dispatcherJobsDeadLetteredTotal, dimensions: dimensions).increment()
            case .retry(let reason, let after):
                // The exponent counts failures only: a parked job delivered forty times that fails once waits the first step.
                let delay = backoff.delay(afterAttempt: job.failures + 1, retryAfter: after)
                let outcome = try await completer.fail(JobFailure(lease: job.lease, error: reason, retryable: true, delay: delay))
                if outcome == .deadLettered {
                    logger.error("Job dead-lettered after its last attempt", metadata: ["reason": "\(reason)"])
                    Counter(label: MetricName.dispatcherJobsDeadLetteredTotal, dimensions: dimensions).increment()
                } else {
                    wakeup.signal(after: delay)
                    logger.notice("Job will be retried", metadata: ["reason": "\(reason)", "outcome": "\(outcome)"])
                    Counter(label: MetricName.dispatcherJobsRetriedTotal, dimensions: dimensions).increment()
                }
            }
        } catch {
            // The lease will expire and the job be rescued; nothing is lost.
            logger.error("Could not record job outcome", metadata: ["error": "\(error)"])
        }
    }

    private func forwardNotifications() async {
        for await _ in listener.subscribe() { wakeup.signal() }
    }

    /// The fallback for lost notifications and for jobs whose `run_at` arrives: a wake every poll interval (and a last
    /// one when cancelled, so the loop sees it).
    private func pollTicker() async {
        while (try? await Task.sleep(for: config.pollInterval)) != nil { wakeup.signal() }
        wakeup.signal()
    }

    private func renewLeases() async {
        while !Task.isCancelled {
            try? await Task.sleep(for: config.lease / 3)
            let leases = inFlight.leases
            guard !leases.isEmpty else { continue }
            do {
                let renewed = try await queue.renew(leases, worker: config.workerID, lease: config.lease)
                // A job whose push ended meanwhile may simply have been completed; one still being pushed was taken.
                let lost = leases.filter { !renewed.contains($0) && inFlight.isPushing($0) }
                if !lost.isEmpty { logger.warning("Some leases were lost", metadata: ["lost": "\(lost.count)"]) }
            } catch {
                logger.warning("Lease renewal failed", metadata: ["error": "\(error)"])
            }
        }
    }
}
