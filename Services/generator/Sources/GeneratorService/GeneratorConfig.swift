import Database
import ServiceKit

/// The generator's settings, read once at start.
package struct GeneratorConfig: Sendable {
    package var http: HTTPSettings
    package var database: DatabaseURL
    package var internalToken: String
    package var replicateToken: String
    /// Replicate's base URL without `/v1` (`REPLICATE_BASE_URL`).
    package var replicateBaseURL: String
    /// Seconds to hold the create call with `Prefer: wait` (`GENERATOR_PREFER_WAIT`, 1–60).
    package var preferWait: Int
    /// Longest pause between polls (`GENERATOR_POLL_MAX_SECONDS`).
    package var pollMax: Duration

    package init(environment: [String: String]) throws {
        var loader = ConfigLoader(environment)
        http = HTTPSettings(&loader, defaultPort: 8082)
        database = loader.databaseURL()
        internalToken = loader.secret("INTERNAL_TOKEN")
        replicateToken = loader.required("REPLICATE_API_TOKEN")
        replicateBaseURL = loader.string("REPLICATE_BASE_URL", default: "https://api.replicate.com")
        preferWait = loader.int("GENERATOR_PREFER_WAIT", default: 10, in: 1...60)
        pollMax = .seconds(loader.double("GENERATOR_POLL_MAX_SECONDS", default: 5, in: 0.05...60))
        try loader.validate()
    }

    package init(
        http: HTTPSettings = HTTPSettings(), database: DatabaseURL, internalToken: String, replicateToken: String, replicateBaseURL: String,
        preferWait: Int = 1, pollMax: Duration = .milliseconds(200)
    ) {
        self.http = http
        self.database = database
        self.internalToken = internalToken
        self.replicateToken = replicateToken
        self.replicateBaseURL = replicateBaseURL
        self.preferWait = preferWait
        self.pollMax = pollMax
    }
}
