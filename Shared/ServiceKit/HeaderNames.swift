import HTTPTypes

extension HTTPField.Name {
    /// `Prefer` (RFC 7240), for `wait=N`.
    package static let prefer = Self("Prefer")!
    /// `Preference-Applied`, echoing the honoured preference.
    package static let preferenceApplied = Self("Preference-Applied")!
    /// Replicate's remaining requests in the current window.
    package static let rateLimitRemaining = Self("ratelimit-remaining")!
    /// Seconds until Replicate's rate-limit window resets.
    package static let rateLimitReset = Self("ratelimit-reset")!
    /// `Idempotency-Key` on POST /v1/generations.
    package static let idempotencyKey = Self("Idempotency-Key")!
    /// `Last-Event-ID` on SSE reconnects.
    package static let lastEventID = Self("Last-Event-ID")!
    /// The job id the dispatcher pushes.
    package static let jobID = Self("X-Job-ID")!
    /// The attempt number the dispatcher pushes.
    package static let jobAttempt = Self("X-Job-Attempt")!
}
