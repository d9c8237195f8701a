import Logging
import PostgresNIO
import Synchronization

/// Writes from sessions that defer their notifications until after commit (`imagegen.defer_notify = on`, migration 4):
/// each helper runs its work on one leased connection and then publishes what the committed writes queued there.
extension PostgresClient {
    /// Runs `body` on one connection (each statement its own transaction), then publishes its notifications.
    package func withPublishedNotifications<Result: Sendable>(
        logger: Logger, _ body: (PostgresConnection) async throws -> Result
    ) async throws -> Result {
        try await withConnection { connection in
            let result: Result
            do {
                result = try await body(connection)
            } catch {
                // Statements before the failure may have committed and queued notifications.
                await connection.publishNotificationsOrLog(logger: logger)
                throw error
            }
            await connection.publishNotificationsOrLog(logger: logger)
            return result
        }
    }

    /// Runs `body` in one transaction, then publishes the notifications it queued once it has committed.
    package func withNotifyingTransaction<Result: Sendable>(
        logger: Logger, _ body: (PostgresConnection) async throws -> Result
    ) async throws -> Result {
        try await withPublishedNotifications(logger: logger) { connection in
            try await connection.withTransaction(logger: logger) { connection in try await body(connection) }
        }
    }
}

extension PostgresConnection {
    /// Publishes, logging a failure instead of throwing it: the writes are committed whatever becomes of their
    /// notifications, and listeners catch up from the event log and their poll.
    func publishNotificationsOrLog(logger: Logger) async {
        do {
            try await publishNotifications(logger: logger)
        } catch {
            logger.warning("Could not publish notifications after commit", metadata: ["error": "\(String(reflecting: error))"])
        }
    }

    /// Sends the notifications this session's committed writes queued, in a transaction that writes nothing (so it holds
    /// PostgreSQL's notification lock without waiting for a WAL flush). A session that does not defer has none queued,
    /// and a process none of whose pools defers (behind a pooler, none do) sends nothing.
    package func publishNotifications(logger: Logger) async throws {
        guard DeferredNotifications.inUse else { return }
        for try await _ in try await run(PublishNotifications(), logger: logger) {}
    }
}

/// `SELECT imagegen_publish_notifications()`, prepared: every deferring write ends with it.
private struct PublishNotifications: PostgresPreparedStatement {
    static let sql = "SELECT imagegen_publish_notifications()"
    func makeBindings() throws -> PostgresBindings { PostgresBindings() }
    func decodeRow(_ row: PostgresRow) throws -> Int { try row.decode(Int.self) }
}

/// Whether any pool of this process defers its notifications (set by ``DatabaseURL/clientConfiguration(maxConnections:durableCommits:deferNotifications:genericPlans:)``).
package enum DeferredNotifications {
    private static let used = Atomic<Bool>(false)

    package static var inUse: Bool { used.load(ordering: .relaxed) }

    static func use() { used.store(true, ordering: .relaxed) }
}
