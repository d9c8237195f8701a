import ServiceKit

/// The simulator's settings, read once at start.
package struct SimulatorConfig: Sendable {
    package var http: HTTPSettings
    /// Base of output file URLs and `urls.get` (`SIMULATOR_PUBLIC_URL`).
    package var publicURL: String
    /// When set, the only accepted API token (`SIMULATOR_API_TOKEN`); otherwise any non-empty token is accepted.
    package var apiToken: String?
    /// The webhook signing secret (`SIMULATOR_WEBHOOK_SECRET`, `whsec_…`); random when unset.
    package var webhookSecret: String
    package var scenario: Scenario

    package init(environment: [String: String]) throws {
        var loader = ConfigLoader(environment)
        http = HTTPSettings(&loader, defaultPort: 8090)
        publicURL = loader.string("SIMULATOR_PUBLIC_URL", default: "http://127.0.0.1:\(http.port)")
        apiToken = loader.optional("SIMULATOR_API_TOKEN")
        webhookSecret = loader.optional("SIMULATOR_WEBHOOK_SECRET") ?? "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
        scenario = Scenario(&loader)
        try loader.validate()
    }

    /// Settings for tests: loopback, ephemeral port, instant models.
    package init(http: HTTPSettings = HTTPSettings(), publicURL: String = "", scenario: Scenario = Scenario()) {
        self.http = http
        self.publicURL = publicURL
        self.apiToken = nil
        self.webhookSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
        self.scenario = scenario
    }
}
