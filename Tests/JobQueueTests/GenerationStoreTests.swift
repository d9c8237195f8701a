import Database
import Foundation
import Generations
import Logging
import PostgresNIO
import Testing
import TestSupport

/// The generations' writes on real PostgreSQL.
@Suite("Generation store")
struct GenerationStoreTests {
    let logger = TestDatabase.logger

    @Test("A failure message of any length and alphabet fails the generation, and the connection keeps working")
    func longMultibyteErrorMessage() async throws {
        let url = try await TestDatabase.create()
        // One connection that defers its notifications, as the services' pools do, so every write shares it.
        let client = PostgresClient(configuration: url.clientConfiguration(maxConnections: 1, deferNotifications: true), backgroundLogger: logger)
        try await withThrowingDiscardingTaskGroup { group in
            group.addTask { await client.run() }
            let store = GenerationStore(client: client, logger: logger)
            let first = try await insertGeneration(client)
            let second = try await insertGeneration(client)
            let message = String(repeating: "🚀", count: 3000)  // 2,000 characters would be 8,000 bytes
            #expect(try await store.fail(first, message: message))
            #expect(try await store.fail(second, message: "plain"))
            #expect(try await store.find(first)?.status == .failed)
            #expect(try await store.find(second)?.status == .failed)
            let stored = try await scalar(
                client, "SELECT octet_length(error_message)::int8 FROM generation_events WHERE generation_id = \(first) ORDER BY id DESC LIMIT 1",
                as: Int.self
            )
            #expect(stored <= 2000)
            group.cancelAll()
        }
    }
}
