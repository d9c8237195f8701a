import Foundation
import Logging
import Metrics
import Prometheus

/// Process-wide set-up done once by each executable's `main`, never by libraries or tests.
package enum Bootstrap {
    /// Sets up logging at `level` and Prometheus metrics onto the registry `/metrics` serves.
    package static func process(logLevel: String) {
        let level = Logger.Level(rawValue: logLevel) ?? .info
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: metricsRegistry))
    }

    /// Loads a service's config or exits with the list of problems (status 78, EX_CONFIG).
    package static func load<Config>(_ name: String, _ make: () throws -> Config) -> Config {
        do {
            return try make()
        } catch {
            FileHandle.standardError.write(Data("\(name): \(error)\n".utf8))
            exit(78)
        }
    }
}
