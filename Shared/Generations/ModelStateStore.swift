import Catalog
import Foundation
import Logging
import PostgresNIO
import PublicAPI
import WireFormat

/// What operators changed in the catalog at run time: models disabled, repriced or pinned to a version (`model_states`),
/// aliases reweighted (`alias_weights`), and the record of every change (`model_state_changes`).
package struct ModelStateStore: Sendable {
    package let client: PostgresClient
    package let logger: Logger

    package init(client: PostgresClient, logger: Logger) {
        self.client = client
        self.logger = logger
    }

    /// Everything operators changed: disabled models, prices, versions and alias weights; one statement.
    package func overrides() async throws -> CatalogOverrides {
        let rows = try await client.query(
            """
            SELECT model_id, NULL::text AS variant, disabled_reason, price_usd::float8, version, NULL::int4 AS weight FROM model_states
            UNION ALL
            SELECT alias, model_id, NULL, NULL, NULL, weight FROM alias_weights
            """,
            logger: logger
        )
        var overrides = CatalogOverrides()
        for try await (name, variant, reason, price, version, weight) in rows.decode((String, String?, String?, Double?, String?, Int?).self) {
            if let variant, let weight {
                overrides.aliasWeights[name, default: [:]][variant] = weight
                continue
            }
            if let reason { overrides.disabled[name] = reason }
            if let price { overrides.prices[name] = price }
            if let version { overrides.versions[name] = version }
        }
        return overrides
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
            RETURNING model_id, change, reason, value, changed_by, changed_at
            """)
    }

    /// Enables `model` again, recording the change; nil when it was not disabled.
    package func enable(_ model: String, by actor: String) async throws -> ModelStateChange? {
        let rows = try await client.query(
            """
            WITH state AS (
                UPDATE model_states SET disabled_reason = NULL, changed_by = \(actor), changed_at = now()
                WHERE model_id = \(model) AND disabled_reason IS NOT NULL
                RETURNING model_id
            )
            INSERT INTO model_state_changes (model_id, change, changed_by)
            SELECT model_id, 'enabled', \(actor) FROM state
            RETURNING model_id, change, reason, value, changed_by, changed_at
            """,
            logger: logger
        )
        return try await Self.changes(rows).first
    }

    /// Bills `model` at `usd` in its catalog unit from now on (nil: the catalog's price again), recording the change.
    package func setPrice(_ model: String, usd: Double?, reason: String?, by actor: String) async throws -> ModelStateChange {
        try await record(
            """
            WITH state AS (
                INSERT INTO model_states (model_id, price_usd, changed_by) VALUES (\(model), \(usd)::float8::numeric, \(actor))
                ON CONFLICT (model_id) DO UPDATE SET price_usd = EXCLUDED.price_usd, changed_by = EXCLUDED.changed_by, changed_at = now()
            )
            INSERT INTO model_state_changes (model_id, change, reason, value, changed_by)
            VALUES (\(model), 'price', \(reason), \(usd.map { "\($0)" }), \(actor))
            RETURNING model_id, change, reason, value, changed_by, changed_at
            """)
    }

    /// Runs `model`'s new generations on `version` (nil: the catalog's), recording the change.
    package func setVersion(_ model: String, version: String?, reason: String?, by actor: String) async throws -> ModelStateChange {
        try await record(
            """
            WITH state AS (
                INSERT INTO model_states (model_id, version, changed_by) VALUES (\(model), \(version), \(actor))
                ON CONFLICT (model_id) DO UPDATE SET version = EXCLUDED.version, changed_by = EXCLUDED.changed_by, changed_at = now()
            )
            INSERT INTO model_state_changes (model_id, change, reason, value, changed_by)
            VALUES (\(model), 'version', \(reason), \(version), \(actor))
            RETURNING model_id, change, reason, value, changed_by, changed_at
            """)
    }

    /// Sets `alias`'s weights (`nil`: the catalog's again): each named variant's weight replaces the catalog's, recorded
    /// as one change.
    package func setWeights(_ alias: String, weights: [String: Int]?, reason: String?, by actor: String) async throws -> ModelStateChange {
        let models = (weights ?? [:]).keys.sorted()
        let value = try weights.map { String(decoding: try JSONCoding.encoder().encode($0), as: UTF8.self) }
        return try await record(
            """
            WITH gone AS (
                DELETE FROM alias_weights WHERE alias = \(alias) AND NOT (model_id = ANY(\(models)::text[]))
            ), state AS (
                INSERT INTO alias_weights (alias, model_id, weight, changed_by)
                SELECT \(alias), m, w, \(actor) FROM unnest(\(models)::text[], \(models.map { weights?[$0] ?? 0 })::int4[]) AS t(m, w)
                ON CONFLICT (alias, model_id) DO UPDATE SET weight = EXCLUDED.weight, changed_by = EXCLUDED.changed_by, changed_at = now()
            )
            INSERT INTO model_state_changes (model_id, change, reason, value, changed_by) VALUES (\(alias), 'weights', \(reason), \(value), \(actor))
            RETURNING model_id, change, reason, value, changed_by, changed_at
            """)
    }

    /// What is overridden now, and the latest `limit` changes.
    package func report(limit: Int = 100) async throws -> ModelStateReport {
        let overrides = try await overrides()
        let disabled = try await Self.changes(
            client.query(
                """
                SELECT model_id, 'disabled' AS change, disabled_reason AS reason, NULL::text AS value, changed_by, changed_at FROM model_states
                WHERE disabled_reason IS NOT NULL ORDER BY model_id
                """,
                logger: logger))
        let changes = try await Self.changes(
            client.query(
                """
                SELECT model_id, change, reason, value, changed_by, changed_at FROM model_state_changes
                ORDER BY changed_at DESC, id DESC LIMIT \(limit)
                """,
                logger: logger))
        return ModelStateReport(
            disabled: disabled, prices: overrides.prices, versions: overrides.versions, aliasWeights: overrides.aliasWeights, changes: changes)
    }

    private func record(_ query: PostgresQuery) async throws -> ModelStateChange {
        guard let change = try await Self.changes(client.query(query, logger: logger)).first else {
            throw PostgresError.protocol("INSERT … RETURNING gave no row")
        }
        return change
    }

    private static func changes(_ rows: PostgresRowSequence) async throws -> [ModelStateChange] {
        var changes: [ModelStateChange] = []
        for try await (model, change, reason, value, actor, at) in rows.decode((String, String, String?, String?, String, Date).self) {
            changes.append(ModelStateChange(modelId: model, change: change, reason: reason, value: value, changedBy: actor, changedAt: at))
        }
        return changes
    }
}
