import Foundation
import Logging
import Metrics
import Prometheus
import ServiceLifecycle

/// Process-wide set-up done once by each executable's `main`, never by libraries or tests.
package enum Bootstrap {
    /// Sets up logging at `level` (with the current trace's id on each line when traces are exported), Prometheus
    /// metrics onto the registry `/metrics` serves, and the tracer; returns the trace exporter's service, if any.
    package static func process(name: String, logLevel: String) throws -> (any Service)? {
        let level = Logger.Level(rawValue: logLevel) ?? .info
        let tracing = try TraceExport.bootstrap(serviceName: name)
        LoggingSystem.bootstrap(
            { label, provider in
                var handler = StreamLogHandler.standardError(label: label, metadataProvider: provider)
                handler.logLevel = level
                return handler
            }, metadataProvider: tracing == nil ? nil : TraceExport.loggingMetadataProvider)
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: metricsRegistry))
        return tracing
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
