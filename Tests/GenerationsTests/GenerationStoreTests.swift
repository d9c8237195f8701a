import Database
import Foundation
import Generations
import JobQueue
import Logging
import PostgresNIO
import TestSupport
import Testing

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
            #expect(try await store.fail(first, .modelFailed(message)))
            #expect(try await store.fail(second, .noOutput))
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

extension GenerationStoreTests {
    @Test("Unfinished generations with no live job get it back; past their deadline they fail; others are left alone")
    func sweeper() async throws {
        try await TestDatabase.withClient { client, _ in
            let store = GenerationStore(client: client, logger: logger)
            let queue = JobQueue(client: client, logger: logger)
            // Processing, its job finished by a handler that was superseded: an orphan.
            let orphan = try await insertGeneration(client, status: "processing")
            // Downloading with no download job.
            let downloading = try await insertGeneration(client, status: "downloading")
            // Queued with its job waiting: fine.
            let waiting = try await insertGeneration(client)
            try await queue.enqueue([GenerateImage.job(for: waiting, userID: UUID())])
            // An orphan too old to run again.
            let stale = try await insertGeneration(client, status: "processing")
            try await client.query("UPDATE image_generations SET created_at = now() - interval '2 days' WHERE id = \(stale)")
            // All were changed a moment ago, so maybe in flight: a pass with a grace period leaves them for later.
            let early = try await store.sweepOrphans(grace: .seconds(3600), deadline: .seconds(86400))
            #expect(early.requeued == 0 && early.failed == 0)

            let swept = try await store.sweepOrphans(grace: .zero, deadline: .seconds(86400))
            #expect(swept.requeued == 2 && swept.failed == 1)
            func jobs(_ key: String) async throws -> [String] {
                var states: [String] = []
                for try await state in try await client.query("SELECT job_type || ':' || status FROM job_queue WHERE dedupe_key = \(key)")
                    .decode(String.self)
                { states.append(state) }
                return states
            }
            #expect(try await jobs(GenerateImage.dedupeKey(orphan)) == ["generate-image:pending"])
            #expect(try await jobs(DownloadImage.dedupeKey(downloading)) == ["download-image:pending"])
            #expect(try await jobs(GenerateImage.dedupeKey(waiting)) == ["generate-image:pending"])
            let failed = try #require(try await store.find(stale))
            #expect(failed.status == .failed && failed.errorMessage == "The generation did not finish in time")
            // A second pass finds nothing left to do.
            let again = try await store.sweepOrphans(grace: .zero, deadline: .seconds(86400))
            #expect(again.requeued == 0 && again.failed == 0)
        }
    }
}

extension GenerationStoreTests {
    @Test("A prediction given up is never recorded, and one recorded is never given up, in either order")
    func disownedPredictions() async throws {
        try await TestDatabase.withClient { client, _ in
            let store = GenerationStore(client: client, logger: logger)
            let lease = JobLease(id: UUID(), attempt: 2)
            func held() async throws -> UUID {
                let id = try await insertGeneration(client, status: "processing")
                try await client.query("UPDATE image_generations SET job_id = \(lease.id), job_attempt = \(lease.attempt) WHERE id = \(id)")
                return id
            }
            // Given up first (the delivery that created it heard back): the one holding the generation cannot adopt it, and
            // the search sees it taken; another prediction it may still record.
            let first = try await held()
            #expect(try await store.disown(first, predictionID: "p-given-up"))
            #expect(try await store.isTaken(predictionID: "p-given-up", for: first))
            #expect(try await !store.recordPrediction(first, predictionID: "p-given-up", lease: lease))
            #expect(try await store.recordPrediction(first, predictionID: "p-new", lease: lease))
            // Adopted first: it cannot be given up (it stays running).
            let second = try await held()
            #expect(try await store.recordPrediction(second, predictionID: "p-adopted", lease: lease))
            #expect(try await !store.disown(second, predictionID: "p-adopted"))
            #expect(try await store.find(second)?.replicatePredictionId == "p-adopted")
            // Nobody can follow a prediction of a generation that is gone.
            #expect(try await store.disown(UUID(), predictionID: "p-orphan"))
            #expect(try await !store.isTaken(predictionID: "p-orphan", for: second))
        }
    }
}
