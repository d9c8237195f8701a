import Foundation
import Logging
import PostgresNIO
import PublicAPI
import WireFormat

/// Projects (`projects`, `project_members`, `project_slots`): users grouped under one monthly budget and one cap on
/// running generations, which the create statement enforces besides each user's own.
package struct ProjectStore: Sendable {
    package let client: PostgresClient
    package let logger: Logger

    package init(client: PostgresClient, logger: Logger) {
        self.client = client
        self.logger = logger
    }

    /// Why a project write was refused.
    package enum Refusal: Error, Equatable {
        case nameTaken
        /// The user is a member of another project already.
        case memberOfAnother(UUID)
    }

    /// A project's limits, each absent for none.
    package struct Limits: Sendable, Equatable {
        package var monthlyBudget: Double?
        package var maxRunning: Int?
        package var ratePerMinute: Int?

        package init(monthlyBudget: Double? = nil, maxRunning: Int? = nil, ratePerMinute: Int? = nil) {
            self.monthlyBudget = monthlyBudget
            self.maxRunning = maxRunning
            self.ratePerMinute = ratePerMinute
        }
    }

    /// Makes a project, with its own user (the project's id, whose keys are the project's) as its first member.
    package func create(name: String, limits: Limits) async throws -> ProjectBody {
        let id = UUID()
        do {
            try await client.query(
                """
                WITH made AS (
                    INSERT INTO projects (id, name, monthly_budget_usd, max_running, rate_per_minute)
                    VALUES (\(id), \(name), \(limits.monthlyBudget)::float8::numeric, \(limits.maxRunning), \(limits.ratePerMinute))
                    RETURNING id
                )
                INSERT INTO project_members (user_id, project_id) SELECT id, id FROM made
                """,
                logger: logger)
        } catch let error as PSQLError where error.serverInfo?[.sqlState] == "23505" {
            throw Refusal.nameTaken
        }
        guard let project = try await find(id) else { throw PostgresError.protocol("a project just made is gone") }
        return project
    }

    /// Changes a project's limits (a nil one is removed).
    package func setLimits(_ id: UUID, _ limits: Limits) async throws -> ProjectBody? {
        try await client.query(
            """
            UPDATE projects
            SET monthly_budget_usd = \(limits.monthlyBudget)::float8::numeric, max_running = \(limits.maxRunning), rate_per_minute = \(limits.ratePerMinute)
            WHERE id = \(id)
            """,
            logger: logger)
        return try await find(id)
    }

    /// Every project, by name, or one.
    package func list(_ id: UUID? = nil) async throws -> [ProjectBody] {
        let rows = try await client.query(
            """
            SELECT p.id, p.name, p.monthly_budget_usd::float8, p.max_running, p.rate_per_minute, p.created_at,
                   coalesce(s.running, 0)::int8, coalesce(s.reserved_usd, 0)::float8,
                   coalesce(CASE WHEN s.spent_month = imagegen_budget_month(now()) THEN s.spent_usd END, 0)::float8,
                   coalesce((SELECT array_agg(m.user_id ORDER BY m.added_at, m.user_id) FROM project_members m
                             WHERE m.project_id = p.id AND m.user_id <> p.id), '{}')
            FROM projects p LEFT JOIN project_slots s ON s.project_id = p.id
            WHERE \(id)::uuid IS NULL OR p.id = \(id)::uuid
            ORDER BY p.name
            """,
            logger: logger)
        var projects: [ProjectBody] = []
        for try await (id, name, budget, cap, rate, created, running, reserved, spent, members) in rows.decode(
            (UUID, String, Double?, Int?, Int?, Date, Int, Double, Double, [UUID]).self
        ) {
            projects.append(
                ProjectBody(
                    id: id, name: name, monthlyBudgetUsd: budget, maxRunning: cap, ratePerMinute: rate, createdAt: created, running: running,
                    reservedUsd: reserved, spentUsd: spent, members: members.map(\.lowercase)))
        }
        return projects
    }

    package func find(_ id: UUID) async throws -> ProjectBody? { try await list(id).first }

    /// What the gateways' rate limits need of projects: every project's id (its own user's), and every member (its own
    /// user included) of a project with a rate, with the project and its rate a minute.
    package struct Rates: Sendable {
        package var projects: Set<UUID> = []
        package var members: [UUID: (project: UUID, perMinute: Int)] = [:]
    }

    package func rates() async throws -> Rates {
        let rows = try await client.query(
            """
            SELECT p.id, m.user_id, p.rate_per_minute FROM projects p LEFT JOIN project_members m
                ON m.project_id = p.id AND p.rate_per_minute IS NOT NULL
            """,
            logger: logger)
        var rates = Rates()
        for try await (project, user, rate) in rows.decode((UUID, UUID?, Int?).self) {
            rates.projects.insert(project)
            if let user, let rate { rates.members[user] = (project, rate) }
        }
        return rates
    }

    /// Adds `user` to project `id`; their generations made from now on count in it. A member of another project is
    /// refused (``Refusal/memberOfAnother(_:)``); adding again changes nothing. False when there is no such project.
    package func add(_ user: UUID, to id: UUID) async throws -> Bool {
        let rows = try await client.query(
            """
            WITH project AS (SELECT id FROM projects WHERE id = \(id)),
            added AS (
                INSERT INTO project_members (user_id, project_id) SELECT \(user), id FROM project
                ON CONFLICT (user_id) DO NOTHING
                RETURNING project_id
            )
            SELECT (SELECT count(*) FROM project)::int8, (SELECT project_id FROM added),
                   (SELECT project_id FROM project_members WHERE user_id = \(user))
            """,
            logger: logger)
        for try await (exists, added, current) in rows.decode((Int, UUID?, UUID?).self) {
            guard exists == 1 else { return false }
            if added == nil, let current, current != id { throw Refusal.memberOfAnother(current) }
            return true
        }
        return false
    }

    /// Removes `user` from project `id`; their generations made from now on are theirs alone. Whether they were in it
    /// (the project's own user never leaves it).
    package func remove(_ user: UUID, from id: UUID) async throws -> Bool {
        let rows = try await client.query(
            "DELETE FROM project_members WHERE user_id = \(user) AND project_id = \(id) AND user_id <> project_id RETURNING 1", logger: logger)
        for try await _ in rows { return true }
        return false
    }

    /// Deletes project `id`: its members are on their own again, its keys are revoked, and past generations keep its
    /// id for usage.
    package func delete(_ id: UUID) async throws -> Bool {
        let rows = try await client.query(
            """
            WITH gone AS (DELETE FROM projects WHERE id = \(id) RETURNING id), slot AS (DELETE FROM project_slots WHERE project_id = \(id)),
            keys AS (UPDATE api_keys SET revoked_at = now() WHERE user_id IN (SELECT id FROM gone) AND revoked_at IS NULL)
            SELECT count(*)::int8 FROM gone
            """,
            logger: logger)
        for try await count in rows.decode(Int.self) { return count == 1 }
        return false
    }
}
