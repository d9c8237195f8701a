import Logging
import PostgresNIO
import Synchronization

/// How this process runs its prepared statements: named and prepared once per connection (the default), or, behind a
/// transaction-mode pooler, unnamed on every execution (the same SQL and bindings, parsed each time), since a statement
/// prepared on one server connection is not there when the pooler hands the next transaction another.
package enum PreparedStatements {
    private static let unnamed = Atomic<Bool>(false)

    /// Whether statements run unnamed (set once, by a pooled ``DatabaseURL/clientConfiguration(maxConnections:durableCommits:deferNotifications:genericPlans:)``).
    package static var runsUnnamed: Bool { unnamed.load(ordering: .relaxed) }

    static func runUnnamed() { unnamed.store(true, ordering: .relaxed) }

    /// `statement` as a one-off query, its rows decoded as the prepared statement's.
    static func query<Statement: PostgresPreparedStatement>(_ statement: Statement) throws -> PostgresQuery {
        PostgresQuery(unsafeSQL: Statement.sql, binds: try statement.makeBindings())
    }
}

extension PostgresClient {
    /// Runs `statement`: prepared once per connection, or unnamed behind a transaction-mode pooler (``PreparedStatements``).
    package func run<Statement: PostgresPreparedStatement>(_ statement: Statement, logger: Logger) async throws
        -> AsyncThrowingMapSequence<PostgresRowSequence, Statement.Row>
    {
        guard PreparedStatements.runsUnnamed else { return try await execute(statement, logger: logger) }
        return try await query(PreparedStatements.query(statement), logger: logger).map { try statement.decodeRow($0) }
    }
}

extension PostgresConnection {
    /// Runs `statement`: prepared once per connection, or unnamed behind a transaction-mode pooler (``PreparedStatements``).
    package func run<Statement: PostgresPreparedStatement>(_ statement: Statement, logger: Logger) async throws
        -> AsyncThrowingMapSequence<PostgresRowSequence, Statement.Row>
    {
        guard PreparedStatements.runsUnnamed else { return try await execute(statement, logger: logger) }
        return try await query(PreparedStatements.query(statement), logger: logger).map { try statement.decodeRow($0) }
    }
}
