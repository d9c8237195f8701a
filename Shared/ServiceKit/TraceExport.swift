import Foundation
import Instrumentation
import Logging
import OTel
import ServiceLifecycle
import Tracing

/// Distributed tracing: spans exported over OTLP/HTTP when the standard `OTEL_EXPORTER_OTLP_ENDPOINT` (or
/// `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`) is set, nothing at all when it is not. The other standard variables
/// (`OTEL_SERVICE_NAME`, `OTEL_TRACES_SAMPLER`, `OTEL_BSP_SCHEDULE_DELAY`, …) apply as OpenTelemetry defines them.
package enum TraceExport {
    /// Whether this process exports traces.
    package static func isEnabled(_ environment: [String: String] = ProcessInfo.processInfo.environment) -> Bool {
        ["OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"].contains { environment[$0]?.isEmpty == false }
            && environment["OTEL_TRACES_EXPORTER"] != "none" && environment["OTEL_SDK_DISABLED"] != "true"
    }

    /// Installs the OTLP tracer for `serviceName` and returns the service that batches and exports its spans (run it
    /// beside the application, stopped after it so the last spans are flushed); nil when tracing is off.
    package static func bootstrap(serviceName: String) throws -> (any Service)? {
        guard isEnabled() else { return nil }
        var configuration = OTel.Configuration.default
        configuration.serviceName = serviceName
        configuration.diagnosticLogLevel = .warning
        configuration.traces.otlpExporter.protocol = .httpProtobuf
        configuration.metrics.enabled = false  // metrics are Prometheus's (`/metrics`)
        configuration.logs.enabled = false  // logs stay on standard error, with the trace id in their metadata
        let (tracer, service) = try OTel.makeTracingBackend(configuration: configuration)
        InstrumentationSystem.bootstrap(tracer)
        return service
    }

    /// The log metadata that names the current trace and span (`trace_id`, `span_id`) on every line logged inside one.
    package static var loggingMetadataProvider: Logger.MetadataProvider { OTel.makeLoggingMetadataProvider() }
}

/// W3C trace context as text, for what outlives a request: a job row carries its creator's, so an attempt hours later
/// continues the same trace.
package enum TraceContext {
    /// The current span's `traceparent`, or nil when there is none (tracing off, or outside any span).
    package static func current() -> String? {
        guard let context = ServiceContext.current else { return nil }
        var headers: [String: String] = [:]
        InstrumentationSystem.instrument.inject(context, into: &headers, using: DictionaryInjector())
        return headers["traceparent"]
    }

    /// A context continuing `traceparent` (a top-level one when it is nil or malformed).
    package static func context(continuing traceparent: String?) -> ServiceContext {
        var context = ServiceContext.topLevel
        guard let traceparent else { return context }
        InstrumentationSystem.instrument.extract(["traceparent": traceparent], into: &context, using: DictionaryExtractor())
        return context
    }

    /// The headers that carry `context` to the next service.
    package static func headers(for context: ServiceContext) -> [String: String] {
        var headers: [String: String] = [:]
        InstrumentationSystem.instrument.inject(context, into: &headers, using: DictionaryInjector())
        return headers
    }

    private struct DictionaryInjector: Injector {
        func inject(_ value: String, forKey key: String, into carrier: inout [String: String]) { carrier[key] = value }
    }

    private struct DictionaryExtractor: Extractor {
        func extract(key: String, from carrier: [String: String]) -> String? { carrier[key] }
    }
}
