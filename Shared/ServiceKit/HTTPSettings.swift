/// The settings every service shares: where it listens and how much it logs.
package struct HTTPSettings: Sendable {
    /// Interface to bind (`HTTP_HOST`).
    package var host: String
    /// Port to bind (`HTTP_PORT`).
    package var port: Int
    /// Log level name (`LOG_LEVEL`).
    package var logLevel: String

    /// Reads `HTTP_HOST`, `HTTP_PORT`, `LOG_LEVEL` with the service's default port.
    package init(_ loader: inout ConfigLoader, defaultPort: Int) {
        host = loader.string("HTTP_HOST", default: "127.0.0.1")
        port = loader.int("HTTP_PORT", default: defaultPort, in: 0...65535)
        logLevel = loader.string("LOG_LEVEL", default: "info")
        if Logger.Level(rawValue: logLevel) == nil {
            loader.problem("LOG_LEVEL must be one of trace, debug, info, notice, warning, error, critical; got '\(logLevel)'")
        }
    }

    /// Settings for tests: loopback on an ephemeral port.
    package init(host: String = "127.0.0.1", port: Int = 0, logLevel: String = "info") {
        self.host = host
        self.port = port
        self.logLevel = logLevel
    }
}

import Logging
