import Database
import Foundation
import Generations
import Logging
import PostgresNIO
import Schema

/// A test could not reach the PostgreSQL server that `scripts/test` starts.
package struct TestEnvironmentError: Error, CustomStringConvertible {
    package let description: String
    package init(description: String) { self.description = description }
}

/// A fresh, migrated database on the server named by `DATABASE_URL`, one per test (or suite) that asks.
package enum TestDatabase {
    /// The logger tests use (warnings only, so output stays readable).
    package static var logger: Logger {
        var logger = Logger(label: "test")
        logger.logLevel = .warning
        return logger
    }

    /// The server's URL; fails loudly when `scripts/test` did not provide one. With `DATABASE_DIRECT_URL` (as
    /// `scripts/test-pgbouncer` runs them), `DATABASE_URL` is a transaction-mode pooler's: tests reach their databases
    /// through it, and databases are made and migrated on the server directly.
    package static func serverURL() throws -> DatabaseURL {
        let environment = ProcessInfo.processInfo.environment
        guard let raw = environment["DATABASE_URL"], !raw.isEmpty else {
            throw TestEnvironmentError(description: "DATABASE_URL is not set: run the tests through scripts/test, which starts PostgreSQL")
        }
        let url = try DatabaseURL(raw)
        guard let direct = environment["DATABASE_DIRECT_URL"], !direct.isEmpty else { return url }
        return try url.pooled(direct: direct)
    }

    /// Creates a new database from the migrated template (migrated once per test process), returning its URL.
    package static func create() async throws -> DatabaseURL {
        let server = try serverURL()
        let template = try await Template.shared.name(on: server)
        let name = uniqueName("imagegen_test_")
        try await execute("CREATE DATABASE \(name) TEMPLATE \(template)", on: server)
        return server.with(database: name)
    }

    /// A new, empty (unmigrated) database, for tests of the migrations themselves.
    package static func createEmpty() async throws -> DatabaseURL {
        let server = try serverURL()
        let name = uniqueName("imagegen_empty_")
        try await execute("CREATE DATABASE \(name)", on: server)
        return server.with(database: name)
    }

    private static func uniqueName(_ prefix: String) -> String {
        prefix + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(16)
    }

    /// Runs one statement on the server's maintenance database (`CREATE DATABASE` cannot run in a pool's transaction).
    private static func execute(_ sql: String, on server: DatabaseURL) async throws {
        let connection = try await PostgresConnection.connect(configuration: server.session.connectionConfiguration, id: 1, logger: logger)
        do {
            try await connection.query(PostgresQuery(unsafeSQL: sql), logger: logger)
            try await connection.close()
        } catch {
            try? await connection.close()
            throw error
        }
    }

    /// The database every test database is copied from: created and migrated by the first test that asks, then left
    /// without connections, as `CREATE DATABASE … TEMPLATE` requires.
    private actor Template {
        static let shared = Template()
        private var creation: Task<String, any Error>?

        func name(on server: DatabaseURL) async throws -> String {
            if let creation { return try await creation.value }
            let creation = Task {
                let name = TestDatabase.uniqueName("imagegen_template_")
                try await TestDatabase.execute("CREATE DATABASE \(name)", on: server)
                _ = try await withPostgresClient(server.with(database: name).session, logger: TestDatabase.logger) { client in
                    try await Migrator(client: client, migrations: databaseMigrations, logger: TestDatabase.logger).migrate()
                }
                return name
            }
            self.creation = creation
            return try await creation.value
        }
    }

    /// Runs `body` with a running pool on a fresh, migrated database.
    package static func withClient<T: Sendable>(
        maxConnections: Int = 10, _ body: @Sendable (PostgresClient, DatabaseURL) async throws -> T
    ) async throws -> T {
        let url = try await create()
        return try await withPostgresClient(url, maxConnections: maxConnections, logger: logger) { client in
            try await body(client, url)
        }
    }
}

/// Waits until `condition` holds, polling every 20 ms, failing after `timeout` with a message naming `what`.
package func eventually(
    _ what: String, timeout: Duration = .seconds(30), _ condition: @Sendable () async throws -> Bool
) async throws {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try await condition() { return }
        try await Task.sleep(for: .milliseconds(20))
    }
    throw TestEnvironmentError(description: "Timed out after \(timeout) waiting for \(what)")
}

extension DatabaseURL {
    /// This URL as a service's `DATABASE_URL` (the tests' server has no password).
    package var connectionString: String { "postgres://\(username)@\(host):\(port)/\(database)?sslmode=disable" }

    /// Behind a pooler, the server's own URL for this database, as a service's `DATABASE_DIRECT_URL`; else empty (unset).
    package var directConnectionString: String { pooled ? session.connectionString : "" }
}
