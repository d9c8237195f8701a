import Foundation
import JobQueue
import PostgresNIO

/// Reads one job's status and attempt count.
package func jobState(_ client: PostgresClient, _ id: UUID) async throws -> (status: String, attempt: Int) {
    let rows = try await client.query("SELECT status, attempt_number FROM job_queue WHERE id = \(id)")
    for try await row in rows.decode((String, Int).self) { return (row.0, row.1) }
    throw TestEnvironmentError(description: "job \(id) not found")
}

/// Inserts a generation row owned by a random user and returns its id.
package func insertGeneration(_ client: PostgresClient, status: String = "queued") async throws -> UUID {
    let rows = try await client.query(
        """
        INSERT INTO image_generations (user_id, prompt, model, model_id, width, height, steps, guidance_scale, status)
        VALUES (gen_random_uuid(), 'a test', 'flux-schnell', 'black-forest-labs/flux-schnell', 1024, 1024, 4, 0, \(status))
        RETURNING id
        """
    )
    for try await id in rows.decode(UUID.self) { return id }
    throw TestEnvironmentError(description: "insert failed")
}

/// Runs one SQL statement that returns a single value.
package func scalar<T: PostgresDecodable>(_ client: PostgresClient, _ query: PostgresQuery, as type: T.Type = T.self) async throws -> T {
    for try await value in try await client.query(query).decode(T.self) { return value }
    throw TestEnvironmentError(description: "no row for \(query.sql)")
}

/// Claims one job of `type`, waiting (bounded) until one is runnable.
package func claimWhenRunnable(_ queue: JobQueue, type: String, timeout: Duration = .seconds(10)) async throws -> ClaimedJob {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if let job = try await queue.claim(limits: [type: 1], worker: "w", lease: .seconds(30)).first { return job }
        try await Task.sleep(for: .milliseconds(20))
    }
    throw TestEnvironmentError(description: "no \(type) job became runnable within \(timeout)")
}

/// The first row of `query`, decoded as `columns`; throws when there is none, so a test cannot pass on an empty result.
package func firstRow<each Column: PostgresDecodable>(
    _ client: PostgresClient, _ query: PostgresQuery, as columns: (repeat each Column).Type
) async throws -> (repeat each Column) {
    for try await row in try await client.query(query).decode((repeat each Column).self) { return row }
    throw TestEnvironmentError(description: "no row for \(query.sql)")
}
