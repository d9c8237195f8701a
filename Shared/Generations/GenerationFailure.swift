/// Why a generation failed, as its user sees it: a stable `code` to act on and a plain `message` to show. What went
/// wrong inside (service addresses, hosts, transport errors, settings) stays in the logs and the job's error history.
package struct GenerationFailure: Sendable, Equatable {
    package var code: String
    package var message: String

    package init(code: String, message: String) {
        self.code = code
        self.message = message
    }

    /// Replicate refused the input (its own words, which name the input).
    package static func inputRejected(_ detail: String) -> Self { Self(code: "input_rejected", message: "The model refused the input: \(detail)") }
    /// The prediction failed (Replicate's words: the model's error, or why the output was withheld).
    package static func modelFailed(_ detail: String?) -> Self { Self(code: "model_failed", message: detail ?? "The model failed") }
    /// The model's safety checker refused the prompt or withheld the image (Replicate's words).
    package static func contentFiltered(_ detail: String?) -> Self {
        Self(code: "content_filtered", message: detail ?? "The model's safety checker withheld the image")
    }

    /// Whether Replicate's error for a failed prediction is a safety refusal: the community models' "NSFW content
    /// detected", the official models' "flagged as sensitive (E005)", Imagen's filter.
    package static func isSafetyRefusal(_ error: String?) -> Bool {
        guard let text = error?.lowercased() else { return false }
        return ["nsfw content detected", "(e005)", "flagged as sensitive", "responsible ai practices", "safety filter"].contains {
            text.contains($0)
        }
    }

    /// The model is not in the catalog, or the account may not run it.
    package static let modelUnavailable = Self(code: "model_unavailable", message: "The model cannot be run right now")
    package static let noOutput = Self(code: "no_output", message: "The model returned no image")
    /// Replicate deleted the outputs before they were stored (it keeps them for an hour after the prediction).
    package static let outputExpired = Self(
        code: "output_expired", message: "Replicate deleted the images before they could be stored (it keeps them for an hour)"
    )
    package static let timedOut = Self(code: "timed_out", message: "The model did not finish in time")
    package static let cancelledUpstream = Self(code: "cancelled_upstream", message: "The prediction was cancelled at Replicate")
    /// Output `index` (from 0) could not be stored; `reason` completes "Output N …".
    package static func outputUnusable(_ index: Int, _ reason: String) -> Self {
        Self(code: "output_unusable", message: "Output \(index + 1) \(reason)")
    }
    /// Its job was dead-lettered: a service it needs kept failing.
    package static let unavailable = Self(
        code: "unavailable", message: "The generation could not be completed because a service it needs kept failing; please try again"
    )
    /// Replicate was unreachable or failing for longer than the outage tolerance before the prediction could start.
    package static let providerUnavailable = Self(
        code: "provider_unavailable", message: "Replicate was unavailable for too long; the generation was not started and costs nothing"
    )
    /// Not finished by the deadline its request set (`deadline`, `Cancel-After`, or the operator's default): not started
    /// by then it never runs; started, it is cancelled then.
    package static let deadlineReached = Self(code: "timed_out", message: "The generation did not finish before its deadline")
    /// Unfinished past its deadline (the dispatcher's sweeper).
    package static let deadlinePassed = Self(code: "timed_out", message: "The generation did not finish in time")
    /// Cancelled by its user.
    package static let cancelled = Self(code: "cancelled", message: "Cancelled by user")
}
