import Logging
import PostgresNIO

/// Runs `body` with a started pool for `url`, shutting the pool down afterwards (for CLIs and tests).
package func withPostgresClient<T: Sendable>(
    _ url: DatabaseURL, maxConnections: Int = 4, logger: Logger, _ body: @Sendable (PostgresClient) async throws -> T
) async throws -> T {
    try await withPostgresClient(configuration: url.clientConfiguration(maxConnections: maxConnections), logger: logger, body)
}

/// Runs `body` with a started pool of `configuration`, shutting the pool down afterwards.
package func withPostgresClient<T: Sendable>(
    configuration: PostgresClient.Configuration, logger: Logger, _ body: @Sendable (PostgresClient) async throws -> T
) async throws -> T {
    let client = PostgresClient(configuration: configuration, backgroundLogger: logger)
    return try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { await client.run() }
        defer { group.cancelAll() }
        return try await body(client)
    }
}
