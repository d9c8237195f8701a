import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import ReplicateAPI
import ReplicateSimulatorService
import ServiceKit
import WireFormat

/// Runs a simulator on an ephemeral loopback port for the duration of `body`.
func withSimulator<T: Sendable>(
    _ scenario: Scenario = Scenario(timeScale: 0), _ body: @Sendable (SimulatorClient) async throws -> T
) async throws -> T {
    var logger = Logger(label: "simulator-test")
    logger.logLevel = .warning
    let app = buildSimulator(config: SimulatorConfig(scenario: scenario), logger: logger)
    return try await app.test(.ahc(.http)) { client in
        try await body(SimulatorClient(client: client))
    }
}

/// Thin helpers over the test client for Replicate-shaped calls.
struct SimulatorClient: Sendable {
    let client: any TestClientProtocol
    var baseURL: String { "http://127.0.0.1:\(client.port!)" }

    func call(
        _ method: HTTPRequest.Method, _ path: String, json: String? = nil, token: String? = "r8_test", headers: HTTPFields = [:]
    ) async throws -> TestResponse {
        var headers = headers
        if let token { headers[.authorization] = "Bearer \(token)" }
        if json != nil { headers[.contentType] = "application/json" }
        return try await client.execute(uri: path, method: method, headers: headers, body: json.map { ByteBuffer(string: $0) })
    }

    /// Decodes a prediction from a 2xx response.
    func prediction(_ response: TestResponse) throws -> Prediction {
        try JSONDecoder().decode(Prediction.self, from: Data(response.body.readableBytesView))
    }

    /// The JSON object of a response body.
    func object(_ response: TestResponse) throws -> [String: JSONValue] {
        guard case .object(let object) = try JSONDecoder().decode(JSONValue.self, from: Data(response.body.readableBytesView)) else {
            throw CocoaError(.coderInvalidValue)
        }
        return object
    }
}

extension Scenario {
    init(timeScale: Double, latency: [String: Double] = [:]) {
        self.init()
        self.timeScale = timeScale
        self.latencyOverrides = latency
    }
}
