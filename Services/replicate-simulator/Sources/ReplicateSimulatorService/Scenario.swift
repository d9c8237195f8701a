import Foundation
import ServiceKit

/// What the simulator does beyond plain success: latencies, failures and faults. Set by env at start, changed at runtime
/// through `POST /_simulator/scenario`, so one running simulator serves several test scenarios.
package struct Scenario: Sendable, Codable, Equatable {
    /// Multiplies each model's typical run time (0 = instant).
    package var timeScale: Double = 1
    /// Seconds a prediction stays `starting` before it runs.
    package var queueSeconds: Double = 0
    /// Run time in seconds per model id, overriding the catalog's typical time (not scaled).
    package var latencyOverrides: [String: Double] = [:]
    /// Share of predictions that fail with a model error.
    package var failureRate: Double = 0
    /// Share of predictions that fail as NSFW.
    package var nsfwRate: Double = 0
    /// Share of create calls answered 500 / 429.
    package var create5xxRate: Double = 0
    package var create429Rate: Double = 0
    /// Creates allowed in any 60 seconds, like an account's limit (Replicate's default is 600); more answer 429 with
    /// `retry_after` (0: no limit).
    package var createRatePerMinute: Int = 0
    /// Share of create calls that create the prediction and then answer 504, as a proxy that gave up waiting would: the
    /// caller cannot tell that the prediction exists.
    package var createLostRate: Double = 0
    /// Seconds a create call takes to answer once its prediction exists (a slow proxy or network): the caller may give up
    /// and try again while the prediction runs.
    package var createAnswerDelaySeconds: Double = 0
    /// Seconds a list call takes to answer once it has read its page (a slow network): the predictions may have changed
    /// by the time the caller sees them.
    package var listAnswerDelaySeconds: Double = 0
    /// Share of get calls answered 503 / 429.
    package var get5xxRate: Double = 0
    package var get429Rate: Double = 0
    /// Replicate is down: every API call answers 503 (see `OutageMiddleware`), with this `Retry-After` text when set.
    package var outage: Bool = false
    package var outageRetryAfter: String? = nil
    /// Seconds a cancel takes to take effect: its answer shows the prediction still running, without metrics, as
    /// Replicate's may (what it ran is known only from a later GET or the webhook).
    package var cancelDelaySeconds: Double = 0
    /// `url` (files on /files) or `data` (data: URIs in the output).
    package var outputMode: String = "url"
    /// `none`, `slow` (trickled bytes), `truncated`, `oversized` (padded to `oversizeBytes`), `not_image` (HTML).
    package var outputFault: String = "none"
    package var oversizeBytes: Int = 64 << 20
    /// Seconds after completion before outputs are removed (`data_removed`).
    package var retentionSeconds: Double = 3600
    /// Prompts containing this text always fail as NSFW (deterministic fault injection for tests).
    package var nsfwTrigger: String = "[nsfw]"
    /// Prompts containing this text always fail with a model error.
    package var failTrigger: String = "[fail]"

    /// The scenario from `SIMULATOR_*` variables.
    package init(_ loader: inout ConfigLoader) {
        timeScale = loader.double("SIMULATOR_TIME_SCALE", default: 1)
        queueSeconds = loader.double("SIMULATOR_QUEUE_SECONDS", default: 0)
        failureRate = loader.double("SIMULATOR_FAILURE_RATE", default: 0, in: 0...1)
        nsfwRate = loader.double("SIMULATOR_NSFW_RATE", default: 0, in: 0...1)
        create5xxRate = loader.double("SIMULATOR_CREATE_5XX_RATE", default: 0, in: 0...1)
        create429Rate = loader.double("SIMULATOR_CREATE_429_RATE", default: 0, in: 0...1)
        createRatePerMinute = loader.int("SIMULATOR_CREATE_RATE_PER_MINUTE", default: 0, in: 0...1_000_000)
        createLostRate = loader.double("SIMULATOR_CREATE_LOST_RATE", default: 0, in: 0...1)
        createAnswerDelaySeconds = loader.double("SIMULATOR_CREATE_ANSWER_DELAY_SECONDS", default: 0, in: 0...3600)
        get5xxRate = loader.double("SIMULATOR_GET_5XX_RATE", default: 0, in: 0...1)
        get429Rate = loader.double("SIMULATOR_GET_429_RATE", default: 0, in: 0...1)
        outputMode = loader.string("SIMULATOR_OUTPUT_MODE", default: "url")
        outputFault = loader.string("SIMULATOR_OUTPUT_FAULT", default: "none")
        retentionSeconds = loader.double("SIMULATOR_RETENTION_SECONDS", default: 3600)
        if !["url", "data"].contains(outputMode) { loader.problem("SIMULATOR_OUTPUT_MODE must be url or data") }
        if !Self.faults.contains(outputFault) { loader.problem("SIMULATOR_OUTPUT_FAULT must be one of \(Self.faults.joined(separator: ", "))") }
    }

    package init() {}

    static let faults = ["none", "slow", "truncated", "oversized", "not_image"]
    /// Keys of optional settings, absent from the scenario while unset.
    static let optionalKeys = ["outage_retry_after"]
}
