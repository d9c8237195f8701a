import JobQueue
import Synchronization

/// The jobs this dispatcher is pushing right now, per type.
final class InFlight: Sendable {
    private let jobs = Mutex<[JobLease: String]>([:])

    func add(_ job: ClaimedJob) { jobs.withLock { $0[job.lease] = job.type } }
    func remove(_ lease: JobLease) { _ = jobs.withLock { $0.removeValue(forKey: lease) } }
    var leases: [JobLease] { jobs.withLock { Array($0.keys) } }
    var isEmpty: Bool { jobs.withLock { $0.isEmpty } }

    /// In-flight count per job type.
    var counts: [String: Int] {
        jobs.withLock { jobs in jobs.values.reduce(into: [:]) { $0[$1, default: 0] += 1 } }
    }
}
