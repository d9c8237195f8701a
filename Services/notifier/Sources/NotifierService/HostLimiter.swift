import Synchronization

/// At most `limit` deliveries in flight to one receiver (`scheme://host:port`), so a slow or dead receiver holds a few of
/// the notifier's slots, not all of them.
final class HostLimiter: Sendable {
    private let limit: Int
    private let inFlight = Mutex<[String: Int]>([:])

    init(limit: Int) { self.limit = limit }

    /// Takes a slot for `host`; false when all its slots are taken.
    func acquire(_ host: String) -> Bool {
        inFlight.withLock { counts in
            guard counts[host, default: 0] < limit else { return false }
            counts[host, default: 0] += 1
            return true
        }
    }

    func release(_ host: String) {
        inFlight.withLock { counts in
            counts[host, default: 1] -= 1
            if counts[host] == 0 { counts[host] = nil }
        }
    }
}
