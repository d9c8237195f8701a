import Synchronization

/// A value read from the database and kept for `freshFor`: a request in that time takes it as it is, and requests that
/// find it stale wait for one read together rather than each reading (so a burst after a quiet spell is one query).
final class SharedRead<Value: Sendable>: Sendable {
    private let freshFor: Duration
    private let read: @Sendable () async throws -> Value
    private let state = Mutex<(value: Value, at: ContinuousClock.Instant)?>(nil)
    private let inFlight = Mutex<Task<Value, any Error>?>(nil)

    init(freshFor: Duration, read: @escaping @Sendable () async throws -> Value) {
        self.freshFor = freshFor
        self.read = read
    }

    /// The value, read again when it is older than `freshFor`.
    func value() async throws -> Value {
        if let cached = state.withLock({ $0 }), ContinuousClock.now - cached.at < freshFor { return cached.value }
        let task = inFlight.withLock { task in
            if let task { return task }
            let started = Task {
                defer { self.inFlight.withLock { $0 = nil } }
                let value = try await self.read()
                self.state.withLock { $0 = (value, .now) }
                return value
            }
            task = started
            return started
        }
        return try await task.value
    }
}
