import Foundation
import Generations
import HTTPTypes
import JobContract
import Testing
import WireFormat

/// The push contract, both directions through the same types.
@Suite("Job contract")
struct JobContractTests {
    /// What the dispatcher reads back from what a handler answered.
    func roundTrip(_ outcome: JobOutcome) -> JobOutcome {
        let (status, wait, body) = outcome.response
        let headers = wait.map(JobOutcome.waitHeaders)
        return JobOutcome(
            status: Int(status.code), retryAfter: headers?[.retryAfter], retryAfterMilliseconds: headers?[JobHeaders.retryAfterMilliseconds],
            body: body,
            origin: "svc")
    }

    @Test("Every outcome a handler gives reaches the dispatcher as the same outcome")
    func outcomesRoundTrip() {
        #expect(roundTrip(.done(result: ["outcome": "succeeded", "images": .int(2)])) == .done(result: ["outcome": "succeeded", "images": .int(2)]))
        #expect(roundTrip(.done(result: nil)) == .done(result: .object([:])))
        #expect(roundTrip(.failed("bad input")) == .failed("svc answered 422: bad input"))
        #expect(roundTrip(.retry("busy", after: .seconds(3))) == .retry("svc answered 503: busy", after: .seconds(3)))
        #expect(roundTrip(.retry("busy", after: nil)) == .retry("svc answered 503: busy", after: nil))
        #expect(roundTrip(.snooze(after: .seconds(4))) == .snooze(after: .seconds(4)))
        #expect(roundTrip(.snooze(after: .milliseconds(300))) == .snooze(after: .milliseconds(300)))
        #expect(roundTrip(.retry("busy", after: .milliseconds(1750))) == .retry("svc answered 503: busy", after: .milliseconds(1750)))
        #expect(JobOutcome(status: 429, retryAfter: "7", body: Data(), origin: "svc") == .retry("svc answered 429: ", after: .seconds(7)))
        #expect(JobOutcome(status: 202, retryAfter: "2", body: Data(), origin: "svc") == .snooze(after: .seconds(2)))
        #expect(JobOutcome(status: 202, retryAfter: nil, body: Data(), origin: "svc") == .snooze(after: .seconds(1)))
        #expect(JobOutcome(status: 202, retryAfter: "2", retryAfterMilliseconds: "soon", body: Data(), origin: "svc") == .snooze(after: .seconds(2)))
        #expect(
            JobOutcome(status: 202, retryAfter: "1", retryAfterMilliseconds: "0", body: Data(), origin: "svc") == .snooze(after: .milliseconds(50)))
        #expect(JobOutcome(status: 404, retryAfter: nil, body: Data("gone".utf8), origin: "svc") == .failed("svc answered 404: gone"))
    }

    @Test("A wait is sent as whole seconds, rounded up, and exactly in milliseconds")
    func waitHeaders() {
        let headers = JobOutcome.waitHeaders(.milliseconds(1750))
        #expect(headers[.retryAfter] == "2" && headers[JobHeaders.retryAfterMilliseconds] == "1750")
        #expect(JobOutcome.waitHeaders(.milliseconds(20))[.retryAfter] == "1")
        #expect(JobOutcome.waitHeaders(.seconds(3))[.retryAfter] == "3")
    }

    @Test("The envelope the dispatcher encodes from a stored payload decodes as the kind's payload type")
    func envelopeRoundTrip() throws {
        let payload = GenerationJobPayload(generationId: UUID(), userId: UUID())
        let stored = try JSONDecoder().decode(JSONValue.self, from: try JSONCoding.encoder().encode(payload))
        let id = UUID()
        let sent = try JobEnvelope(job: .init(id: id, type: GenerateImage.name, attempt: 2, maxAttempts: 5, payload: stored)).encode()
        let text = String(decoding: sent, as: UTF8.self)
        #expect(text.contains(#""max_attempts":5"#) && text.contains(#""generation_id":"#))
        let received = try JobEnvelope<GenerateImage.Payload>.decode(sent)
        #expect(received.job.id == id && received.job.attempt == 2 && received.job.payload == payload)
    }
}
