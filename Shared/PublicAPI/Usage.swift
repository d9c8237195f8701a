import Foundation

/// What a user's generations came to over a period, by day, by model, by variant or by user.
package struct UsageRow: Sendable, Codable, Equatable {
    /// The day (`2026-11-30`, UTC), the model id, the variant or the user id; `total` in a report's total.
    package var key: String
    package var generations: Int
    package var completed: Int
    package var images: Int
    /// Summed from the costs known; nil when none is.
    package var costUsd: Double?
    /// Completed generations whose cost is unknown (not counted in `cost_usd`).
    package var unpricedGenerations: Int

    package init(key: String, generations: Int, completed: Int, images: Int, costUsd: Double?, unpricedGenerations: Int) {
        self.key = key
        self.generations = generations
        self.completed = completed
        self.images = images
        self.costUsd = costUsd
        self.unpricedGenerations = unpricedGenerations
    }
}

/// `GET /v1/usage` (and the dispatcher's per-user report): the rows and their total.
package struct UsageReport: Sendable, Codable, Equatable {
    package var from: Date
    package var to: Date
    package var groupBy: String
    package var data: [UsageRow]
    package var total: UsageRow
    /// The user's input files stored now (`GET /v1/usage` only), whatever the period.
    package var files: InputFileUsage?

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
