import Foundation
import PostgresNIO
import WireFormat

/// What a user's generations came to over a period, by day, by model or by user.
package struct UsageRow: Sendable, Encodable, Equatable {
    /// The day (`2026-11-30`, UTC), the model id, the variant or the user id.
    package var key: String
    package var generations: Int
    package var completed: Int
    package var images: Int
    /// Summed from the costs known; nil when none is.
    package var costUsd: Double?
    /// Completed generations whose cost is unknown (not counted in `cost_usd`).
    package var unpricedGenerations: Int
}

/// `GET /v1/usage` (and the dispatcher's per-user report): the rows and their total.
package struct UsageReport: Encodable, Sendable {
    var from: Date
    var to: Date
    var groupBy: String
    var data: [UsageRow]
    var total: UsageRow

    package init(from: Date, to: Date, groupBy: String, data: [UsageRow]) {
        self.from = from
        self.to = to
        self.groupBy = groupBy
        self.data = data
        let costs = data.compactMap(\.costUsd)
        total = UsageRow(
            key: "total", generations: data.map(\.generations).reduce(0, +), completed: data.map(\.completed).reduce(0, +),
            images: data.map(\.images).reduce(0, +), costUsd: costs.isEmpty ? nil : costs.reduce(0, +),
            unpricedGenerations: data.map(\.unpricedGenerations).reduce(0, +)
        )
    }
}

/// How usage is grouped.
package enum UsageGrouping: String, Sendable, CaseIterable {
    /// `variant`: an experiment's alias and the model it ran (`fast: black-forest-labs/flux-schnell`), else the model.
    case day, model, variant, user
}

extension GenerationStore {
    /// Generations created in [`from`, `to`), grouped; only `userID`'s when given.
    package func usage(userID: UUID?, from: Date, to: Date, groupBy: UsageGrouping) async throws -> [UsageRow] {
        let key =
            switch groupBy {
            case .day: "to_char(g.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD')"
            case .model: "g.model_id"
            case .variant: "coalesce(g.model_alias || ': ', '') || g.model_id"
            case .user: "g.user_id::text"
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
