import Logging
import PostgresNIO
import ServiceLifecycle
import Synchronization

/// One message on a LISTEN channel, or a `resync` after the connection was re-established (notifications may have been lost).
package struct DatabaseNotification: Sendable {
    package var payload: String
    package var isResync: Bool
}

/// A LISTEN loop on one dedicated connection, fanning notifications out to any number of in-process subscribers.
///
/// It reconnects with capped exponential backoff; after each (re)connect it sends a resync marker so subscribers re-read state.
package final class NotificationListener: Service, Sendable {
    private let url: DatabaseURL
    private let channel: String
    private let logger: Logger
    private let subscribers = Mutex<[Int: AsyncStream<DatabaseNotification>.Continuation]>([:])
    private let nextID = Atomic<Int>(0)

    /// A listener for `channel` on the database at `url`.
    package init(url: DatabaseURL, channel: String, logger: Logger) {
        self.url = url
        self.channel = channel
        self.logger = logger
    }

    /// A stream of notifications from now on; it ends when the caller stops iterating.
    package func subscribe() -> AsyncStream<DatabaseNotification> {
        let (stream, continuation) = AsyncStream.makeStream(of: DatabaseNotification.self, bufferingPolicy: .bufferingNewest(1024))
        let id = nextID.add(1, ordering: .relaxed).newValue
        subscribers.withLock { $0[id] = continuation }
        continuation.onTermination = { [weak self] _ in
            _ = self?.subscribers.withLock { $0.removeValue(forKey: id) }
        }
        return stream
    }

    /// How many subscribers are attached (for metrics and tests).
    package var subscriberCount: Int { subscribers.withLock { $0.count } }

    private func broadcast(_ notification: DatabaseNotification) {
        // Yield outside the lock: a continuation's termination handler takes the same lock.
        for continuation in subscribers.withLock({ Array($0.values) }) { continuation.yield(notification) }
    }

    package func run() async throws {
        var delay = Duration.milliseconds(100)
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            let started = ContinuousClock.now
            do {
                try await cancelWhenGracefulShutdown {
                    let connection = try await PostgresConnection.connect(
                        configuration: self.url.session.connectionConfiguration, id: 1, logger: self.logger
                    )
                    defer { Task { try? await connection.close() } }
                    try await connection.listen(on: self.channel) { notifications in
                        self.logger.debug("Listening", metadata: ["channel": "\(self.channel)"])
                        self.broadcast(DatabaseNotification(payload: "", isResync: true))
                        for try await notification in notifications {
                            self.broadcast(DatabaseNotification(payload: notification.payload, isResync: false))
                        }
                    }
                }
            } catch is CancellationError {
                break
            } catch {
                if Task.isCancelled || Task.isShuttingDownGracefully { break }
                logger.warning("LISTEN connection lost; reconnecting", metadata: ["channel": "\(channel)", "error": "\(error)"])
            }
            if ContinuousClock.now - started > .seconds(10) { delay = .milliseconds(100) }
            try? await Task.sleep(for: delay)
            delay = min(delay * 2, .seconds(5))
        }
        let remaining = subscribers.withLock { subscribers in
            defer { subscribers.removeAll() }
            return Array(subscribers.values)
        }
        for continuation in remaining { continuation.finish() }
    }
}
