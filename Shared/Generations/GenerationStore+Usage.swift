import Foundation
import PostgresNIO
import PublicAPI
import WireFormat

/// How usage is grouped.
package enum UsageGrouping: String, Sendable, CaseIterable {
    /// `variant`: an experiment's alias and the model it ran (`fast: black-forest-labs/flux-schnell`), else the model.
    /// `key`: the API key's id, or `token` for requests made with a user token. `project`: the project's id, or `none`.
    case day, model, variant, key, user, project
}

extension GenerationStore {
    /// Generations created in [`from`, `to`), grouped; only `userID`'s when given.
    package func usage(userID: UUID?, from: Date, to: Date, groupBy: UsageGrouping) async throws -> [UsageRow] {
        let key =
            switch groupBy {
            case .day: "to_char(g.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD')"
            case .model: "g.model_id"
            case .variant: "coalesce(g.model_alias || ': ', '') || g.model_id"
            case .key: "coalesce(g.api_key_id::text, 'token')"
            case .user: "g.user_id::text"
            case .project: "coalesce(g.project_id::text, 'none')"
            }
        let rows = try await client.query(
            """
            SELECT \(unescaped: key) AS key, count(*)::int8, count(*) FILTER (WHERE g.status = 'completed')::int8,
                   (coalesce(sum(i.n), 0) + sum(g.deleted_images))::int8, sum(g.cost)::float8,
                   count(*) FILTER (WHERE g.status = 'completed' AND g.cost IS NULL)::int8
            FROM image_generations g
            LEFT JOIN (
                SELECT generation_id, count(*) AS n FROM images WHERE (\(userID)::uuid IS NULL OR user_id = \(userID)::uuid) GROUP BY generation_id
            ) i ON i.generation_id = g.id
            WHERE (\(userID)::uuid IS NULL OR g.user_id = \(userID)::uuid) AND g.created_at >= \(from) AND g.created_at < \(to)
            GROUP BY 1 ORDER BY 1
            """,
            logger: logger
        )
        var usage: [UsageRow] = []
        for try await (key, generations, completed, images, cost, unpriced) in rows.decode((String, Int, Int, Int, Double?, Int).self) {
            usage.append(
                .init(key: key, generations: generations, completed: completed, images: images, costUsd: cost, unpricedGenerations: unpriced))
        }
        return usage
    }
}

/// The period of a usage query: `from` (inclusive) and `to` (exclusive), each a date (`2026-11-01`, UTC midnight) or
/// a timestamp; by default from the start of this month (UTC) to now.
package enum UsagePeriod {
    package static func parse(from rawFrom: String?, to rawTo: String?, now: Date = Date()) -> Result<(from: Date, to: Date), ValidationFailure> {
        var errors: [FieldError] = []
        func date(_ raw: String?, _ field: String) -> Date? {
            guard let raw else { return nil }
            if let day = try? Date(raw, strategy: Date.ISO8601FormatStyle().year().month().day()) { return day }
            if let stamp = Timestamp.parse(raw) { return stamp }
            errors.append(.init(field: field, message: "must be a date (2026-11-01) or an ISO 8601 timestamp, got '\(raw)'"))
            return nil
        }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let from = date(rawFrom, "from") ?? calendar.dateInterval(of: .month, for: now)!.start
        let to = date(rawTo, "to") ?? now
        if errors.isEmpty && to <= from { errors.append(.init(field: "to", message: "must be after from")) }
        return errors.isEmpty ? .success((from, to)) : .failure(ValidationFailure(errors))
    }
}

extension GenerationStore {
    /// Sets `userID`'s own monthly budget (nil: the default applies).
    package func setMonthlyBudget(_ usd: Double?, for userID: UUID) async throws {
        try await client.query(
            """
            INSERT INTO generation_slots AS s (user_id, monthly_budget_usd) VALUES (\(userID), \(usd)::float8::numeric)
            ON CONFLICT (user_id) DO UPDATE SET monthly_budget_usd = EXCLUDED.monthly_budget_usd
            """,
            logger: logger
        )
    }
}
