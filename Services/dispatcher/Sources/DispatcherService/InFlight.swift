import JobQueue
import Synchronization

/// The jobs this dispatcher holds right now, per type: pushed, or with their push ended and the outcome being recorded.
final class InFlight: Sendable {
    private let jobs = Mutex<[JobLease: (type: String, pushing: Bool)]>([:])

    func add(_ job: ClaimedJob) { jobs.withLock { $0[job.lease] = (job.type, true) } }
    func pushEnded(_ lease: JobLease) { jobs.withLock { $0[lease]?.pushing = false } }
    func remove(_ lease: JobLease) { _ = jobs.withLock { $0.removeValue(forKey: lease) } }
    var leases: [JobLease] { jobs.withLock { Array($0.keys) } }
    var isEmpty: Bool { jobs.withLock { $0.isEmpty } }

    /// Whether `lease`'s push is still running: until it ends, only another worker can have taken its job.
    func isPushing(_ lease: JobLease) -> Bool { jobs.withLock { $0[lease]?.pushing ?? false } }

    /// In-flight count per job type.
    var counts: [String: Int] {
        jobs.withLock { jobs in jobs.values.reduce(into: [:]) { $0[$1.type, default: 0] += 1 } }
    }
}
