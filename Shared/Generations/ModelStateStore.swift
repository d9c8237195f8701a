import Foundation
import Logging
import PostgresNIO
import PublicAPI

/// Models operators took out of service (`model_states`) and the record of every change (`model_state_changes`).
package struct ModelStateStore: Sendable {
    package let client: PostgresClient
    package let logger: Logger

    package init(client: PostgresClient, logger: Logger) {
        self.client = client
        self.logger = logger
    }

    /// The disabled models, by id, with why.
    package func disabled() async throws -> [String: String] {
        let rows = try await client.query("SELECT model_id, disabled_reason FROM model_states", logger: logger)
        var models: [String: String] = [:]
        for try await (model, reason) in rows.decode((String, String).self) { models[model] = reason }
        return models
    }

    /// Disables `model` (again: a new reason), recording the change; one statement.
    package func disable(_ model: String, reason: String, by actor: String) async throws -> ModelStateChange {
        try await record(
            """
            WITH state AS (
                INSERT INTO model_states (model_id, disabled_reason, changed_by) VALUES (\(model), \(reason), \(actor))
                ON CONFLICT (model_id) DO UPDATE SET disabled_reason = EXCLUDED.disabled_reason, changed_by = EXCLUDED.changed_by,
                    changed_at = now()
            )
            INSERT INTO model_state_changes (model_id, change, reason, changed_by) VALUES (\(model), 'disabled', \(reason), \(actor))
            RETURNING model_id, change, reason, changed_by, changed_at
            """)
    }

    /// Enables `model` again, recording the change; nil when it was not disabled.
    package func enable(_ model: String, by actor: String) async throws -> ModelStateChange? {
        let rows = try await client.query(
            """
            WITH state AS (DELETE FROM model_states WHERE model_id = \(model) RETURNING model_id)
            INSERT INTO model_state_changes (model_id, change, changed_by)
            SELECT model_id, 'enabled', \(actor) FROM state
            RETURNING model_id, change, reason, changed_by, changed_at
            """,
            logger: logger
        )
        return try await Self.changes(rows).first
    }

    /// The disabled models and the latest `limit` changes.
    package func report(limit: Int = 100) async throws -> ModelStateReport {
        let disabled = try await Self.changes(
            client.query(
                "SELECT model_id, 'disabled' AS change, disabled_reason AS reason, changed_by, changed_at FROM model_states ORDER BY model_id",
                logger: logger))
        let changes = try await Self.changes(
            client.query(
                "SELECT model_id, change, reason, changed_by, changed_at FROM model_state_changes ORDER BY changed_at DESC, id DESC LIMIT \(limit)",
                logger: logger))
        return ModelStateReport(disabled: disabled, changes: changes)
    }

    private func record(_ query: PostgresQuery) async throws -> ModelStateChange {
        guard let change = try await Self.changes(client.query(query, logger: logger)).first else {
            throw PostgresError.protocol("INSERT … RETURNING gave no row")
        }
        return change
    }

    private static func changes(_ rows: PostgresRowSequence) async throws -> [ModelStateChange] {
        var changes: [ModelStateChange] = []
        for try await (model, change, reason, actor, at) in rows.decode((String, String, String?, String, Date).self) {
            changes.append(ModelStateChange(modelId: model, change: change, reason: reason, changedBy: actor, changedAt: at))
        }
        return changes
    }
}
