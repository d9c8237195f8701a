import Foundation
import WireFormat

/// The body the dispatcher POSTs to `/v1/jobs/{job_type}`: `{"job": {"id", "type", "attempt", "max_attempts", "payload"}}`.
/// The dispatcher encodes it with the payload it stored (``JSONValue``), the owning service decodes it with its kind's
/// payload type; both through ``encode()`` and ``decode(_:)``.
package struct JobEnvelope<Payload: Codable & Sendable>: Codable, Sendable {
    package struct Job: Codable, Sendable {
        package var id: UUID
        package var type: String
        package var attempt: Int
        package var maxAttempts: Int
        package var payload: Payload

        package init(id: UUID, type: String, attempt: Int, maxAttempts: Int, payload: Payload) {
            self.id = id
            self.type = type
            self.attempt = attempt
            self.maxAttempts = maxAttempts
            self.payload = payload
        }
    }
    package var job: Job

    package init(job: Job) { self.job = job }

    /// The envelope as the request body.
    package func encode() throws -> Data { try JSONCoding.encoder().encode(self) }

    /// An envelope read from a request body.
    package static func decode(_ body: Data) throws -> Self { try JSONCoding.decoder().decode(Self.self, from: body) }
}
