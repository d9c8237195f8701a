import ArgumentParser
import AsyncHTTPClient
import Database
import Foundation
import Generations
import JobQueue
import PostgresNIO

/// `GET /v1/generations/{id}` of waiting generations at a fixed (open-loop) rate, with a long queue in front of them:
/// what every poller pays for its queue position and estimates.
struct GatewayGet: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "gateway-get", abstract: "GET latency of waiting generations behind a long queue.")
    @OptionGroup var stack: StackOptions
    @OptionGroup var database: DatabaseOptions
    @Option(help: "The user BENCH_TOKEN speaks for (the seeded generations are theirs).") var user: String
    @Option(help: "Generations waiting to start (seeded once; a second run reuses them).") var queued = 100_000
    @Option var rate = 200.0
    @Option var seconds = 20.0
    @Option var concurrency = 50

    func run() async throws {
        guard let owner = UUID(uuidString: user) else { throw ValidationError("--user must be a UUID") }
        let ids = try await withPostgresClient(try database.url(), logger: benchmarkLogger) { client in
            try await seed(client, owner: owner)
        }
        let http = makeHTTPClient(connections: concurrency)
        defer { Task { try? await http.shutdown() } }
        let run = await openLoop(rate: rate, seconds: seconds, concurrency: concurrency) { index in
            var request = HTTPClientRequest(url: "\(stack.gateway)/v1/generations/\(ids[(index * 7919) % ids.count])")
            request.headers.add(name: "Authorization", value: "Bearer \(stack.token)")
            let response = try await http.execute(request, timeout: .seconds(30))
            _ = try await response.body.collect(upTo: 1 << 20)
            return response.status == .ok
        }
        print(
            String(format: "gateway-get: %d waiting, %.0f req/s offered, %.0f done, %d failed; latency ", queued, rate, run.done, run.failed)
                + run.latency.summary)
    }

    /// `queued` waiting generations of `owner`, each with its generate-image job, inserted in bulk once; their ids.
    private func seed(_ client: PostgresClient, owner: UUID) async throws -> [String] {
        let have = try await scalar(client, "SELECT count(*)::int8 FROM image_generations WHERE prompt = 'get-bench'")
        if have < queued {
            try await client.query(
                """
                INSERT INTO image_generations (user_id, prompt, model, model_id, width, height, steps, guidance_scale, status, priority)
                SELECT \(owner), 'get-bench', 'flux-schnell', 'black-forest-labs/flux-schnell', 1024, 1024, 4, 0, 'queued', n % 3
                FROM generate_series(1, \(queued - have)) AS n
                """)
            let jobs = JobQueue.insertSQL(
                type: "'\(GenerateImage.name)'", payload: GenerationJobPayload.sql(generationID: "id", userID: "user_id"), priority: "priority",
                dedupeKey: GenerateImage.dedupeKeySQL("id"), fairRank: "(random() * 50)::int", from: "waiting")
            try await client.query(
                PostgresQuery(
                    unsafeSQL: """
                        WITH waiting AS (
                            SELECT id, user_id, priority FROM image_generations g
                            WHERE prompt = 'get-bench' AND NOT EXISTS (SELECT 1 FROM job_queue j WHERE j.dedupe_key = \(GenerateImage.dedupeKeySQL("g.id")))
                        )
                        \(jobs)
                        """))
            try await client.query("VACUUM ANALYZE job_queue")
            try await client.query("VACUUM ANALYZE image_generations")
        }
        var ids: [String] = []
        for try await id in try await client.query(
            "SELECT id FROM image_generations WHERE prompt = 'get-bench' ORDER BY random() LIMIT 1000"
        ).decode(UUID.self) { ids.append(id.uuidString.lowercased()) }
        return ids
    }
}
