import HTTPTypes

/// Headers of a push besides its body: who the job is (for access logs and proxies) and the W3C trace context; and of its
/// answer, the exact wait.
package enum JobHeaders {
    /// The job id.
    package static let id = HTTPField.Name("X-Job-ID")!
    /// The attempt number.
    package static let attempt = HTTPField.Name("X-Job-Attempt")!
    /// On an answer: how long until the job is due again, in milliseconds (`Retry-After`, which carries whole seconds, is
    /// sent beside it).
    package static let retryAfterMilliseconds = HTTPField.Name("X-Job-Retry-After-Ms")!
    /// W3C trace context (`traceparent`).
    package static let traceparent = HTTPField.Name("traceparent")!
}
