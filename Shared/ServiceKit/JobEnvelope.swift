import Foundation

/// The body the dispatcher POSTs to `/v1/jobs/{job_type}`: `{"job": {"id", "type", "attempt", "max_attempts", "payload"}}`.
package struct JobEnvelope<Payload: Codable & Sendable>: Codable, Sendable {
    package struct Job: Codable, Sendable {
        package var id: UUID
        package var type: String
        package var attempt: Int
        package var maxAttempts: Int
        package var payload: Payload
    }
    package var job: Job
}

/// What a job handler tells the dispatcher: done (2xx), permanent failure (4xx) or retry later (503 + Retry-After).
package enum JobOutcome: Sendable {
    case done(result: [String: String])
    case permanentFailure(String)
    case retryLater(String, after: Duration?)
}
