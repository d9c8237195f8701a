import HTTPTypes

/// Headers of a push besides its body: who the job is (for access logs and proxies) and the W3C trace context.
package enum JobHeaders {
    /// The job id.
    package static let id = HTTPField.Name("X-Job-ID")!
    /// The attempt number.
    package static let attempt = HTTPField.Name("X-Job-Attempt")!
    /// W3C trace context (`traceparent`).
    package static let traceparent = HTTPField.Name("traceparent")!
}
