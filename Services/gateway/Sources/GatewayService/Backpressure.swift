import Foundation
import Generations
import JobQueue
import ServiceKit
import Synchronization

/// `GATEWAY_MAX_QUEUED`: past this many generations waiting to start (runnable `generate-image` jobs, all users together),
/// a new request is refused with 503 and a `Retry-After` from how fast the queue drains, before anything is written.
/// Far below the cap, a count read in the last second (plus what this gateway admitted since) stands in for a new read;
/// from half the cap up, every request counts again, so a single gateway never admits past it (several gateways
/// together may overshoot by the requests they admit at the same instant).
final class Backpressure: Sendable {
    let limit: Int
    private let queue: JobQueue
    private let refresh: Duration
    /// When the queue was last counted, and the count since raised by each request admitted.
    private let estimate = Mutex<(at: ContinuousClock.Instant, runnable: Int)?>(nil)

    init(limit: Int, queue: JobQueue, refresh: Duration = .seconds(1)) {
        self.limit = limit
        self.queue = queue
        self.refresh = refresh
    }

    /// Admits a request, or throws a 503 ``Problem`` when the queue is full.
    func admit() async throws {
        let now = ContinuousClock.now
        let cheap = estimate.withLock { estimate -> Bool in
            guard let current = estimate, now - current.at < refresh, current.runnable * 2 < limit else { return false }
            estimate = (current.at, current.runnable + 1)
            return true
        }
        if cheap { return }
        let runnable = try await queue.runnable(type: GenerateImage.name, limit: limit)
        guard runnable >= limit else {
            estimate.withLock { $0 = (now, runnable + 1) }
            return
        }
        // How long until the queue is back under its cap at the rate it drained in the last minute (no drain: a minute).
        let perSecond = Double(try await queue.finishedLastMinute(type: GenerateImage.name)) / 60
        let excess = Double(runnable - limit + 1)
        let wait = Int((perSecond > 0 ? min(max(excess / perSecond, 1), 300) : 60).rounded(.up))
        throw Problem(
            .serviceUnavailable, title: "Queue full",
            detail: "\(limit) or more generations are waiting to start (GATEWAY_MAX_QUEUED); nothing was created, retry in about \(wait) s",
            retryAfterSeconds: wait
        )
    }
}
