import Foundation
import Hummingbird
import HummingbirdTesting
import JobContract
import Synchronization
import WireFormat

/// A small real HTTP service standing in for a generator or downloader: records each push and answers per `respond`.
final class Downstream: Sendable {
    struct Arrival: Sendable {
        var jobID: String
        var type: String
        var attempt: Int
        var traceparent: String?
        var at: ContinuousClock.Instant
    }

    private let state = Mutex<(arrivals: [Arrival], inFlight: [String: Int], maxInFlight: [String: Int])>(([], [:], [:]))
    let respond: @Sendable (Arrival, Int) async -> HTTPResponse.Status
    let delay: Duration

    /// `respond(arrival, n)` chooses the status for the n-th push of that job (1-based).
    init(delay: Duration = .zero, respond: @escaping @Sendable (Arrival, Int) async -> HTTPResponse.Status = { _, _ in .ok }) {
        self.delay = delay
        self.respond = respond
    }

    var arrivals: [Arrival] { state.withLock { $0.arrivals } }
    func maxInFlight(_ type: String) -> Int { state.withLock { $0.maxInFlight[type, default: 0] } }

    /// Runs the service on a free port for the duration of `body`.
    func run<T: Sendable>(_ body: @Sendable (Int) async throws -> T) async throws -> T {
        let router = Router()
        router.post("v1/jobs/:type") { request, context in
            let type = try context.parameters.require("type")
            let buffer = try await request.body.collect(upTo: 1 << 20)
            let envelope = try JobEnvelope<JSONValue>.decode(Data(buffer: buffer))
            let arrival = Arrival(
                jobID: envelope.job.id.uuidString.lowercased(), type: type, attempt: envelope.job.attempt,
                traceparent: request.headers[JobHeaders.traceparent], at: .now
            )
            let count = self.state.withLock { state in
                state.arrivals.append(arrival)
                state.inFlight[type, default: 0] += 1
                state.maxInFlight[type] = max(state.maxInFlight[type, default: 0], state.inFlight[type]!)
                return state.arrivals.filter { $0.jobID == arrival.jobID }.count
            }
            if self.delay > .zero { try? await Task.sleep(for: self.delay) }
            let status = await self.respond(arrival, count)
            self.state.withLock { $0.inFlight[type, default: 0] -= 1 }
            return Response(status: status, body: .init(byteBuffer: ByteBuffer(string: #"{"detail": "simulated \#(status.code)"}"#)))
        }
        return try await Application(router: router).test(.live) { client in try await body(client.port!) }
    }
}
