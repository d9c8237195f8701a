import Logging

/// The settings every service shares: where it listens and how much it logs.
package struct HTTPSettings: Sendable {
    /// Interface to bind (`HTTP_HOST`).
    package var host: String
    /// Port to bind (`HTTP_PORT`).
    package var port: Int
    /// Log level name (`LOG_LEVEL`).
    package var logLevel: String
    /// How long a new connection may take to send a complete request head (`HTTP_HEADER_TIMEOUT_SECONDS`, default 10).
    package var headerTimeout: Duration = .seconds(10)
    /// How long a connection may go without traffic (`HTTP_IDLE_TIMEOUT_SECONDS`; default 120 for the gateway, 900 for
    /// services the dispatcher pushes to, since a push may be held up to `DISPATCH_TIMEOUT_SECONDS`).
    package var idleTimeout: Duration = .seconds(900)
    /// Connections open at once; more are closed at once (`HTTP_MAX_CONNECTIONS`, default 2048).
    package var maxConnections = 2048
    /// How long a graceful shutdown (SIGTERM, SIGINT) may take before in-flight work is cancelled; five seconds after
    /// that the process ends whatever it is doing (`SHUTDOWN_TIMEOUT_SECONDS`; keep it below the orchestrator's grace).
    package var shutdownTimeout: Duration = .seconds(25)

    /// Reads `HTTP_HOST`, `HTTP_PORT`, `LOG_LEVEL`, the connection limits and the shutdown timeout with the service's defaults.
    package init(_ loader: inout ConfigLoader, defaultPort: Int, defaultIdleTimeout: Int = 900, defaultShutdownTimeout: Int = 25) {
        host = loader.string("HTTP_HOST", default: "127.0.0.1")
        port = loader.int("HTTP_PORT", default: defaultPort, in: 0...65535)
        headerTimeout = .seconds(loader.int("HTTP_HEADER_TIMEOUT_SECONDS", default: 10, in: 1...600))
        idleTimeout = .seconds(loader.int("HTTP_IDLE_TIMEOUT_SECONDS", default: defaultIdleTimeout, in: 1...86_400))
        maxConnections = loader.int("HTTP_MAX_CONNECTIONS", default: 2048, in: 1...1_000_000)
        shutdownTimeout = .seconds(loader.int("SHUTDOWN_TIMEOUT_SECONDS", default: defaultShutdownTimeout, in: 1...3600))
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
