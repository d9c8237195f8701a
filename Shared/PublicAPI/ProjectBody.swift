import Foundation

/// A project as the admin API shows it (`/v1/admin/projects`): its limits, this month's figures and its members.
package struct ProjectBody: Sendable, Codable, Equatable {
    package var id: UUID
    package var name: String
    /// One monthly budget for all its members together (USD); absent: none.
    package var monthlyBudgetUsd: Double?
    /// At most this many of its members' generations run at once; absent: no cap.
    package var maxRunning: Int?
    /// Its members' and keys' creates a minute, together; absent: only each one's own.
    package var ratePerMinute: Int?
    package var createdAt: Date
    /// Its members' generations running now, what they reserve, and this month's spend (made since they joined).
    package var running: Int
    package var reservedUsd: Double
    package var spentUsd: Double
    /// Its members' user ids (lowercase, as every id on the wire), besides its own (its keys').
    package var members: [String]

    package init(
        id: UUID, name: String, monthlyBudgetUsd: Double?, maxRunning: Int?, ratePerMinute: Int? = nil, createdAt: Date, running: Int,
        reservedUsd: Double,
        spentUsd: Double, members: [String]
    ) {
        self.id = id
        self.name = name
        self.monthlyBudgetUsd = monthlyBudgetUsd
        self.maxRunning = maxRunning
        self.ratePerMinute = ratePerMinute
        self.createdAt = createdAt
        self.running = running
        self.reservedUsd = reservedUsd
        self.spentUsd = spentUsd
        self.members = members
    }
}

/// `GET /v1/admin/projects`.
package struct ProjectList: Sendable, Codable, Equatable {
    package var data: [ProjectBody]

    package init(data: [ProjectBody]) { self.data = data }
}
