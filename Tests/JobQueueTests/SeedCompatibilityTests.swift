import Database
import Foundation
import Generations
import JobQueue
import PostgresNIO
import PublicAPI
import Schema
import TestSupport
import Testing

/// The seed document's SQL API and operator queries, run verbatim against the schema.
@Suite("Seed SQL compatibility")
struct SeedCompatibilityTests {
    let logger = TestDatabase.logger

    @Test("enqueue_job, claim_next_job and complete_job keep the seed's signatures and meaning")
    func seedFunctions() async throws {
        try await TestDatabase.withClient { client, _ in
            let id = try await scalar(
                client, "SELECT enqueue_job('generate-image', '{\"generation_id\": \"x\"}'::jsonb)", as: UUID.self
            )
            let claimed = try await client.query("SELECT id, job_type, payload::text, attempt_number, max_attempts FROM claim_next_job()")
            var rows = 0
            for try await (claimedID, type, _, attempt, maxAttempts) in claimed.decode((UUID, String, String, Int, Int).self) {
                rows += 1
                #expect(claimedID == id)
                #expect(type == "generate-image")
                #expect(attempt == 1)
                #expect(maxAttempts == 3)
            }
            #expect(rows == 1)
            // An error with attempts left goes back to pending (with a delay), as in the seed.
            try await client.query("SELECT complete_job(\(id), NULL, 'transient')")
            #expect(try await jobState(client, id) == ("pending", 1))
            try await client.query("UPDATE job_queue SET run_at = now() WHERE id = \(id)")
            _ = try await client.query("SELECT * FROM claim_next_job()")
            try await client.query("SELECT complete_job(\(id), '{\"ok\": true}'::jsonb)")
            #expect(try await jobState(client, id) == ("completed", 2))
            // A late call on a finished job changes nothing.
            try await client.query("SELECT complete_job(\(id), NULL, 'late')")
            #expect(try await jobState(client, id).status == "completed")
        }
    }

    @Test("The seed's monitoring and manual-recovery statements run unchanged")
    func monitoringQueries() async throws {
        try await TestDatabase.withClient { client, _ in
            _ = try await insertGeneration(client, status: "processing")
            try await JobQueue(client: client, logger: logger).enqueue([NewJob(type: "generate-image", payload: "{}")])
            let statements = [
                "SELECT COUNT(*) FROM job_queue WHERE status = 'pending';",
                """
                SELECT
                COUNT(*) as total_jobs,
                COUNT(*) FILTER (WHERE completed_at > now() - interval '1 hour') as last_hour
                FROM job_queue
                WHERE status = 'completed';
                """,
                """
                SELECT
                COUNT(*) FILTER (WHERE status = 'failed') * 100.0 / COUNT(*) as error_rate_pct
                FROM job_queue
                WHERE created_at > now() - interval '24 hours';
                """,
                """
                SELECT AVG(generation_time_seconds) as avg_time
                FROM image_generations
                WHERE status = 'completed'
                AND created_at > now() - interval '24 hours';
                """,
                """
                UPDATE job_queue
                SET status = 'pending', attempt_number = 0
                WHERE status = 'processing'
                AND updated_at < now() - interval '15 minutes';
                """,
                """
                UPDATE image_generations
                SET status = 'failed', error_message = 'Timeout'
                WHERE status IN ('processing', 'downloading')
                AND updated_at < now() - interval '30 minutes';
                """,
                "SELECT * FROM queue_health",
                "SELECT * FROM stuck_jobs",
            ]
            for statement in statements {
                try await client.query(PostgresQuery(unsafeSQL: statement))
            }
            #expect(try await scalar(client, "SELECT COUNT(*) FROM job_queue WHERE status = 'pending';", as: Int.self) == 1)
        }
    }

    @Test("Migrating twice changes nothing")
    func migrationsAreIdempotent() async throws {
        try await TestDatabase.withClient { client, _ in
            let applied = try await Migrator(client: client, migrations: databaseMigrations, logger: logger).migrate()
            let recorded = try await scalar(client, "SELECT count(*)::int8 FROM schema_migrations", as: Int.self)
            #expect(applied.isEmpty)
            #expect(recorded == databaseMigrations.count)
        }
    }

    @Test("The table accepts exactly the status changes the state machine declares, and records each as its event")
    func stateMachineGuardAndEvents() async throws {
        try await TestDatabase.withClient { client, _ in
            let declared = Dictionary(
                GenerationTransition.allCases.flatMap { transition in
                    transition.from.map { ("\($0.rawValue)->\(transition.to.rawValue)", transition.event) }
                },
                uniquingKeysWith: { first, _ in first }
            )
            var wrong: [String] = []
            for from in GenerationStatus.allCases {
                for to in GenerationStatus.allCases where to != from {
                    let id = try await insertGeneration(client, status: from.rawValue)
                    let accepted: Bool
                    do {
                        try await client.query("UPDATE image_generations SET status = \(to.rawValue) WHERE id = \(id)")
                        accepted = true
                    } catch is PSQLError {
                        accepted = false
                    }
                    if accepted != (declared["\(from.rawValue)->\(to.rawValue)"] != nil) {
                        wrong.append("\(from.rawValue) -> \(to.rawValue): accepted \(accepted)")
                    }
                    if accepted {
                        let event = try await scalar(
                            client, "SELECT event FROM generation_events WHERE generation_id = \(id) ORDER BY id DESC LIMIT 1", as: String.self
                        )
                        if event != declared["\(from.rawValue)->\(to.rawValue)"] {
                            wrong.append("\(from.rawValue) -> \(to.rawValue): event \(event)")
                        }
                    }
                }
            }
            #expect(wrong == [])
            #expect(declared.count > 10)
        }
    }

    @Test("A generation's events name their transitions, from creation to completion")
    func eventsInOrder() async throws {
        try await TestDatabase.withClient { client, _ in
            let id = try await insertGeneration(client)
            try await client.query("UPDATE image_generations SET status = 'processing', progress = 40 WHERE id = \(id)")
            try await client.query("UPDATE image_generations SET progress = 60 WHERE id = \(id)")
            try await client.query("UPDATE image_generations SET status = 'downloading', progress = 100 WHERE id = \(id)")
            try await client.query("UPDATE image_generations SET status = 'completed' WHERE id = \(id)")
            let events = try await client.query("SELECT status, progress, event FROM generation_events WHERE generation_id = \(id) ORDER BY id")
            var seen: [String] = []
            for try await (status, progress, event) in events.decode((String, Int, String).self) { seen.append("\(status):\(progress):\(event)") }
            #expect(
                seen == [
                    "queued:0:created", "processing:40:started", "processing:60:progress", "downloading:100:generated", "completed:100:completed",
                ])
        }
    }
}
