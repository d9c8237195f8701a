import Foundation
import Logging
import PostgresNIO
import PublicAPI

extension JobQueue {
    /// Every pause in force, oldest first.
    package func pauses() async throws -> [DispatchPause] {
        let rows = try await client.query("SELECT kind, name, reason, paused_at FROM dispatch_pauses ORDER BY paused_at, kind, name", logger: logger)
        var pauses: [DispatchPause] = []
        for try await (kind, name, reason, pausedAt) in rows.decode((String, String, String?, Date).self) {
            guard let kind = DispatchPause.Kind(rawValue: kind) else { continue }
            pauses.append(DispatchPause(kind: kind, name: name, reason: reason, pausedAt: pausedAt))
        }
        return pauses
    }

    /// Whether `name` is paused.
    package func isPaused(_ kind: DispatchPause.Kind, _ name: String) async throws -> Bool {
        let rows = try await client.query(
            "SELECT 1 FROM dispatch_pauses WHERE kind = \(kind.rawValue) AND name = \(name)", logger: logger)
        for try await _ in rows { return true }
        return false
    }

    /// Pauses `name`; returns the pause (the earlier one when it was already paused, with its time and reason).
    package func pause(_ kind: DispatchPause.Kind, _ name: String, reason: String?) async throws -> DispatchPause {
        let rows = try await client.query(
            """
            INSERT INTO dispatch_pauses (kind, name, reason) VALUES (\(kind.rawValue), \(name), \(reason))
            ON CONFLICT (kind, name) DO UPDATE SET kind = EXCLUDED.kind
            RETURNING reason, paused_at
            """,
            logger: logger
        )
        for try await (reason, pausedAt) in rows.decode((String?, Date).self) {
            return DispatchPause(kind: kind, name: name, reason: reason, pausedAt: pausedAt)
        }
        throw PostgresError.protocol("INSERT … RETURNING gave no row")
    }

    /// Resumes `name` (a resumed job type wakes the dispatchers); returns whether it was paused.
    package func resume(_ kind: DispatchPause.Kind, _ name: String) async throws -> Bool {
        try await client.withPublishedNotifications(logger: logger) { connection in
            let rows = try await connection.query(
                "DELETE FROM dispatch_pauses WHERE kind = \(kind.rawValue) AND name = \(name) RETURNING name", logger: logger)
            for try await _ in rows { return true }
            return false
        }
    }
}
