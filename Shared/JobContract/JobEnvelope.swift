import Foundation
import WireFormat

/// The body the dispatcher POSTs to `/v1/jobs/{job_type}`: `{"job": {"id", "type", "attempt", "max_attempts", "failures",
/// "payload"}}`.
/// The dispatcher encodes it with the payload it stored (``JSONValue``), the owning service decodes it with its kind's
/// payload type; both through ``encode()`` and ``decode(_:)``.
package struct JobEnvelope<Payload: Codable & Sendable>: Codable, Sendable {
    package struct Job: Codable, Sendable {
        package var id: UUID
        package var type: String
        package var attempt: Int
        package var maxAttempts: Int
        /// Earlier attempts that failed (snoozed deliveries are not failures); absent from older dispatchers.
        package var failures: Int?
        package var payload: Payload

        package init(id: UUID, type: String, attempt: Int, maxAttempts: Int, failures: Int? = nil, payload: Payload) {
            self.id = id
            self.type = type
            self.attempt = attempt
            self.maxAttempts = maxAttempts
            self.failures = failures
            self.payload = payload
        }

        /// The number of this attempt among the failed ones: 1 after no failure, whatever was snoozed before.
        package var failureAttempt: Int { (failures ?? attempt - 1) + 1 }
    }
    package var job: Job

    package init(job: Job) { self.job = job }

    /// The envelope as the request body.
    package func encode() throws -> Data { try JSONCoding.encoder().encode(self) }

    /// An envelope read from a request body.
    package static func decode(_ body: Data) throws -> Self { try JSONCoding.decoder().decode(Self.self, from: body) }
}
