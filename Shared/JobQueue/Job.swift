import Foundation

/// A job claimed by a worker: it holds the lease until `leaseUntil` for attempt `attempt`.
package struct ClaimedJob: Sendable, Hashable {
    package var id: UUID
    package var type: String
    /// JSON object text.
    package var payload: String
    /// 1 for the first run; the lease token together with `id`.
    package var attempt: Int
    package var maxAttempts: Int
    package var priority: Int
    package var createdAt: Date
    /// When the job became runnable (its `run_at`), for pick-up latency.
    package var runAt: Date
    package var claimedAt: Date
    /// The `traceparent` of the span that enqueued it, if traced.
    package var traceContext: String? = nil
    /// Earlier attempts that failed (snoozes and releases are not failures): what a retry's backoff grows with.
    package var failures: Int = 0

    /// The identity of this attempt, used to guard completions and renewals.
    package var lease: JobLease { JobLease(id: id, attempt: attempt) }
}

/// One attempt of one job: a completion, failure or renewal is accepted only while this attempt still holds the job.
package struct JobLease: Sendable, Hashable {
    package var id: UUID
    package var attempt: Int
    package init(id: UUID, attempt: Int) {
        self.id = id
        self.attempt = attempt
    }
}

/// A failed attempt to record: retried after `delay` while attempts remain and `retryable`, otherwise dead-lettered.
package struct JobFailure: Sendable {
    package var lease: JobLease
    package var error: String
    package var retryable: Bool
    package var delay: Duration

    package init(lease: JobLease, error: String, retryable: Bool, delay: Duration) {
        self.lease = lease
        self.error = error
        self.retryable = retryable
        self.delay = delay
    }
}

/// What became of a failed attempt.
package enum FailureOutcome: Sendable, Equatable {
    /// Back to `pending`, runnable again at the given time.
    case retrying(at: Date)
    /// Dead-lettered (`failed`): no attempts left or the error was permanent.
    case deadLettered
    /// The attempt no longer held the job (its lease expired and it was rescued, or it was cancelled).
    case leaseLost
}

/// A dead-lettered job with its full error history.
package struct DeadJob: Sendable, Codable {
    package var id: UUID
    package var jobType: String
    package var payload: String
    package var attempts: Int
    package var maxAttempts: Int
    package var errorMessage: String?
    /// JSON array of `{attempt, error, at}`.
    package var errors: String
    package var failedAt: Date?
}

/// Depth and lag of one job type in one status.
package struct QueueStat: Sendable, Codable, Equatable {
    package var jobType: String
    package var status: String
    package var count: Int
    /// Seconds the oldest runnable pending job has waited (0 when none).
    package var oldestAvailableAgeSeconds: Double
}
