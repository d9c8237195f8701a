import Catalog
import Foundation
import Generations
import JobContract
import JobQueue
import Logging
import Metrics
import ReplicateAPI
import ServiceKit
import WireFormat

/// Drives one generation's Replicate prediction to a terminal state: create once (or resume), poll, record, hand over.
struct PredictionRunner: Sendable {
    let api: any PredictionsAPI
    let store: GenerationStore
    /// What each model usually takes, learned from every generator (the catalog's figure until then), and where this one
    /// records what it sees: run times at each hand-over, the wait before each start.
    let timings: ModelTimingStore
    let preferWait: Int
    let pollMax: Duration
    /// Park a running prediction once this delivery has waited this long for it (nil: hold until it ends).
    let parkAfter: Duration?
    /// Replicate's webhooks go here (the gateway applies them); then a parked prediction is checked only
    /// `webhookPoll` after the model usually finishes, and as often after that, in case a webhook is lost.
    let webhook: PredictionWebhook?
    let webhookPoll: Duration
    /// How many predictions at once ask for `logs` webhooks (`REPLICATE_PROGRESS_WEBHOOKS_MAX`).
    let progressWebhooks: ProgressWebhookQuota
    /// Replicate's create limit, shared with every other generator (`REPLICATE_CREATE_RATE_PER_MINUTE`).
    let budget: ReplicateCreateBudget?
    /// The breaker over Replicate shared with every other generator; `api` reports each call's fate to it.
    let breaker: ReplicateBreaker
    /// How long a generation that never started may wait out an outage before it fails
    /// (`REPLICATE_OUTAGE_TOLERANCE_SECONDS`).
    let outageTolerance: Duration

    /// Cancels generation `generation`'s prediction `id` at Replicate (best effort: a failed cancel leaves it to finish),
    /// counted by model, and records Replicate's final figure for the time it ran: from the cancel's answer, or, when the
    /// cancel has not taken effect yet (the answer shows it running, without metrics), from a GET a moment later. Only a
    /// prediction seen ended ends its generation's wait for a cost (and the budget reservation it kept); otherwise
    /// Replicate's webhook or the dispatcher's time-out does.
    private func cancelPrediction(_ id: String, of generation: Generation) async {
        var answer = try? await api.cancel(id)
        Counter(label: MetricName.generatorPredictionsCancelledTotal, dimensions: [("model", generation.modelId)]).increment()
        for wait in [1, 2, 4] where answer.map({ !$0.prediction.status.isTerminal || $0.prediction.metrics?.predictTime == nil }) ?? false {
            try? await Task.sleep(for: .seconds(wait))
            answer = try? await api.get(id)
        }
        guard let prediction = answer?.prediction, prediction.status.isTerminal else { return }
        // What it ran (or made, if it finished first) is billed all the same.
        let billed = PredictionOutcome(prediction, model: generation.pricedModel, width: generation.width, height: generation.height)
            .billed
        _ = try? await store.recordFinalCost(generation.id, cost: billed.flatMap { $0 > 0 ? $0 : nil })
    }

    /// How often a generation of a paused model checks again (resuming wakes it at once).
    static let pausedRecheck: Duration = .seconds(30)

    /// Runs one delivery of the job; an attempt above 1 means an earlier one may have created a prediction unheard of.
    func run(_ payload: GenerationJobPayload, lease: JobLease, logger: Logger) async -> JobOutcome {
        do {
            return try await runThrowing(payload, lease: lease, logger: logger)
        } catch let error as ReplicateError where error.isRetryable {
            return await waitOut(error, payload, lease: lease, logger: logger)
        } catch let error as ReplicateError {
            logger.warning("Replicate call failed; will retry", metadata: ["error": "\(error)"])
            return .retry(error.description, after: error.retryAfter)
        } catch {
            logger.error("Generation attempt failed", metadata: ["error": "\(error)"])
            return .retry("\(error)", after: nil)
        }
    }

    /// Replicate failed (5xx, 408, no answer) or asked us to wait (429): that is not the generation's failure. The job
    /// comes back later without spending an attempt, unless its generation never started and has been trying for
    /// longer than the outage tolerance.
    private func waitOut(_ error: ReplicateError, _ payload: GenerationJobPayload, lease: JobLease, logger: Logger) async -> JobOutcome {
        logger.warning("Replicate call failed; the job waits", metadata: ["error": "\(error)", "generation.id": "\(payload.generationId.lowercase)"])
        Counter(label: MetricName.generatorReplicateWaitsTotal, dimensions: [("reason", error.isOutage ? "outage" : "throttled")]).increment()
        if error.isOutage, let generation = try? await store.find(payload.generationId), generation.replicatePredictionId == nil,
            !generation.status.isTerminal, Date().timeIntervalSince(generation.createStartedAt ?? generation.createdAt) >= outageTolerance.seconds
        {
            if (try? await store.fail(generation.id, .providerUnavailable, lease: lease)) == true {
                return failedUnstarted(generation.id, logger: logger)
            }
        }
        let wait = error.retryAfter ?? (breaker.isOpen ? breaker.probeInterval : .milliseconds(Int64.random(in: 1000...5000)))
        return .snooze(after: max(wait, .seconds(1)))
    }

    /// The breaker is open: wait for its next probe, or fail a generation that never started once it has waited out the
    /// outage tolerance (counted from when it was created or the outage began, whichever is later).
    private func waitForReplicate(
        _ payload: GenerationJobPayload, wait: Duration, openSince: Date, lease: JobLease, logger: Logger
    ) async throws -> JobOutcome {
        Counter(label: MetricName.generatorReplicateWaitsTotal, dimensions: [("reason", "breaker_open")]).increment()
        if let current = try await store.find(payload.generationId), current.replicatePredictionId == nil, !current.status.isTerminal,
            Date().timeIntervalSince(max(current.createdAt, openSince)) >= outageTolerance.seconds,
            let started = try await store.start(current.id, lease: lease), try await store.fail(started.id, .providerUnavailable, lease: lease)
        {
            return failedUnstarted(current.id, logger: logger)
        }
        return .snooze(after: wait)
    }

    /// The outcome of a generation failed as `provider_unavailable` before it started.
    private func failedUnstarted(_ id: UUID, logger: Logger) -> JobOutcome {
        logger.error(
            "Replicate was unavailable past the outage tolerance: the generation failed unstarted", metadata: ["generation.id": "\(id.lowercase)"])
        return .done(result: ["outcome": "failed", "reason": .string(GenerationFailure.providerUnavailable.code)])
    }

    /// One delivery, part by part: each part either hands its result on or ends the delivery with an outcome.
    private func runThrowing(_ payload: GenerationJobPayload, lease: JobLease, logger: Logger) async throws -> JobOutcome {
        var logger = logger
        logger[metadataKey: "generation.id"] = "\(payload.generationId.lowercase)"
        if case .wait(let wait, let since) = try await breaker.admit() {
            return try await waitForReplicate(payload, wait: wait, openSince: since, lease: lease, logger: logger)
        }
        let (generation, model, createTaken): (Generation, ModelSpec, Bool)
        switch try await start(payload, lease: lease, logger: logger) {
        case .done(let outcome): return outcome
        case .next(let started): (generation, model, createTaken) = started
        }
        let first: PredictionResponse
        switch try await prediction(of: generation, model: model, createTaken: createTaken, lease: lease, logger: logger) {
        case .done(let outcome): return outcome
        case .next(let response): first = response
        }
        switch try await end(of: first, generation: generation, model: model, lease: lease, logger: logger) {
        case .done(let outcome): return outcome
        case .next(let last): return try await finish(last.prediction, of: generation, model: model, lease: lease, logger: logger)
        }
    }

    /// Takes the shared create budget (for a generation that never called create) and the generation for this delivery.
    private func start(_ payload: GenerationJobPayload, lease: JobLease, logger: Logger) async throws -> Step<(Generation, ModelSpec, Bool)> {
        // A generation that has never called create takes its create from the budget all generators share before it
        // starts, so waiting for one leaves no create window behind (which would make the next delivery search for a
        // lost prediction). Refused, it sleeps until the slot the budget promised it, or until it should ask again.
        var createTaken = false
        if let current = try await store.find(payload.generationId), current.replicatePredictionId == nil, current.createStartedAt == nil,
            !current.status.isTerminal
        {
            // Its model is paused by an operator: it waits to start, spending no attempt (resuming wakes it at once).
            if try await JobQueue(client: store.client, logger: logger).isPaused(.model, current.modelId) {
                logger.info("The generation's model is paused; it waits")
                return .done(.snooze(after: Self.pausedRecheck))
            }
            if let budget, current.deadlineAt.map({ $0 > Date() }) ?? true {
                if let wait = try await budget.take(for: current.id) { return .done(.snooze(after: wait)) }
                createTaken = true
            }
        }
        guard let generation = try await store.start(payload.generationId, lease: lease) else {
            guard let current = try await store.find(payload.generationId) else {
                return .done(.failed("generation \(payload.generationId) does not exist"))
            }
            // Cancelled while this job waited (a retry's backoff): its prediction may still be running, and billed.
            if current.status == .cancelled, let predictionID = current.replicatePredictionId {
                await cancelPrediction(predictionID, of: current)
                logger.info("Cancelled the prediction of a generation cancelled while its job waited")
                return .done(.done(result: ["outcome": "cancelled", "prediction_id": .string(predictionID)]))
            }
            // Finished, handed over, or held by a later delivery of this job.
            return .done(.done(result: ["outcome": .string("already \(current.status.rawValue)")]))
        }
        if lease.attempt == 1 { timings.recordWait(generation.modelId, seconds: Date().timeIntervalSince(generation.createdAt)) }
        if generation.replicatePredictionId == nil, let deadline = generation.deadlineAt, deadline <= Date() {
            // Its deadline passed before it started: it never runs (a create an earlier attempt lost is cancelled by
            // Replicate itself, told the same deadline).
            try await store.fail(generation.id, .deadlineReached, lease: lease)
            logger.info("The generation's deadline passed before it started")
            return .done(.done(result: ["outcome": "deadline passed"]))
        }
        guard let model = generation.pricedModel else {
            try await store.fail(generation.id, .modelUnavailable, lease: lease)
            return .done(.done(result: ["outcome": "failed"]))
        }
        return .next((generation, model, createTaken))
    }

    /// The prediction this delivery follows: the one recorded (resumed), one an earlier attempt created unheard of
    /// (adopted), or a new one (created).
    private func prediction(
        of generation: Generation, model: ModelSpec, createTaken: Bool, lease: JobLease, logger: Logger
    ) async throws -> Step<PredictionResponse> {
        let response: PredictionResponse
        let version = model.version.map { generation.modelVersion ?? $0 }
        let built = model.input(for: generation.request)
        if let existing = generation.replicatePredictionId {
            logger.info("Resuming prediction", metadata: ["prediction.id": "\(existing)"])
            response = try await api.get(existing)
        } else if lease.attempt > 1, let window = generation.createStartedAt,
            let lost = try await LostPredictionSearch(api: api, store: store).find(
                for: generation.id, model: model.id, version: version, input: built.input, createdAfter: window
            )
        {
            logger.notice("Adopting a prediction an earlier attempt created unheard of", metadata: ["prediction.id": "\(lost.id)"])
            guard try await store.recordPrediction(generation.id, predictionID: lost.id, lease: lease) else {
                // The delivery that created it heard back after all and gave it up (it is being cancelled): the next
                // delivery, at once, creates another.
                if try await store.isTaken(predictionID: lost.id, for: generation.id) { return .done(.snooze(after: .zero)) }
                // Cancelled or superseded meanwhile. The prediction is only probably this generation's: leave it be.
                return .done(.done(result: ["outcome": "not adopted", "prediction_id": .string(lost.id)]))
            }
            Counter(label: MetricName.generatorPredictionsAdoptedTotal, dimensions: [("model", model.id)]).increment()
            response = try await api.get(lost.id)
        } else {
            for warning in built.warnings { logger.notice("Input adjusted", metadata: ["warning": "\(warning)"]) }
            do {
                // Hold the create call only for a model that usually finishes within the wait: one call then does it all. A
                // slower one would only keep a dispatcher slot and a connection busy before parking anyway.
                let expected = timings.timing(of: model).runP90
                let wait = preferWait > 0 && expected <= Double(preferWait) ? preferWait : nil
                if !createTaken, let budget, let wait = try await budget.take(for: generation.id) { return .done(.snooze(after: wait)) }
                // The rest of the generation's deadline becomes Replicate's own, so the prediction stops then whatever
                // becomes of this delivery.
                response = try await api.create(
                    model: model.id, version: version, input: built.input, wait: wait,
                    webhook: progressWebhooks.webhook(webhook, runningFor: expected),
                    cancelAfter: generation.deadlineAt.map { max(1, $0.timeIntervalSinceNow) })
            } catch ReplicateError.api(429, _, let retryAfter) {
                // Refused for the account's create limit (nothing was created): every generator waits it out, and this
                // job comes back then without spending an attempt.
                let wait = retryAfter ?? .seconds(1)
                try await budget?.close(for: wait)
                Counter(label: MetricName.generatorCreatesThrottledTotal).increment()
                return .done(.snooze(after: wait))
            } catch let error as ReplicateError where !error.isRetryable {
                // The model refused the input (422) or the account cannot run it: retrying cannot help.
                logger.warning("Replicate refused the prediction", metadata: ["error": "\(error)"])
                let failure: GenerationFailure = if case .api(422, let detail, _) = error { .inputRejected(detail) } else { .modelUnavailable }
                try await store.fail(generation.id, failure, lease: lease)
                return .done(.done(result: ["outcome": "failed", "reason": .string(error.description)]))
            }
            Counter(label: MetricName.generatorPredictionsCreatedTotal, dimensions: [("model", model.id)]).increment()
            // A prediction that finished within the wait has its id recorded with its outputs, in the hand-over below.
            if response.prediction.status != .succeeded,
                try await !store.recordPrediction(generation.id, predictionID: response.prediction.id, lease: lease)
            {
                // Cancelled, or superseded by a later delivery, while the create call was in flight. A later delivery
                // that found this prediction (its answer was slow, not lost) follows it: leave it running. Otherwise it
                // is given up first, so that no later delivery adopts it while it is being cancelled.
                if try await !store.disown(generation.id, predictionID: response.prediction.id) {
                    logger.notice(
                        "Superseded while creating; a later delivery adopted the prediction", metadata: ["prediction.id": "\(response.prediction.id)"]
                    )
                    return .done(.done(result: ["outcome": "superseded", "prediction_id": .string(response.prediction.id)]))
                }
                // Otherwise this prediction is this attempt's own and nobody will follow it: stop its spend at once.
                await cancelPrediction(response.prediction.id, of: generation)
                return .done(.done(result: ["outcome": "cancelled", "prediction_id": .string(response.prediction.id)]))
            }
        }
        return .next(response)
    }

    /// Follows the prediction until it ends (polling, with progress), or ends the delivery first: cancelled, superseded,
    /// past its deadline, or parked until Replicate is likely done.
    private func end(
        of first: PredictionResponse, generation: Generation, model: ModelSpec, lease: JobLease, logger: Logger
    ) async throws -> Step<PredictionResponse> {
        var response = first
        // The model's deadline counts from the first create call, across deliveries; the request's own may come sooner.
        let modelDeadline = (generation.createStartedAt ?? Date()).addingTimeInterval(max(120, model.typicalSeconds * 20))
        let (deadline, failure) =
            generation.deadlineAt.map { $0 < modelDeadline } == true
            ? (generation.deadlineAt!, GenerationFailure.deadlineReached) : (modelDeadline, GenerationFailure.timedOut)
        let started = ContinuousClock.now
        // First poll near when the model usually finishes (a quarter of its typical time), then back off up to pollMax.
        let timing = timings.timing(of: model)
        let usual = timing.runP50
        var interval = min(max(.milliseconds(250), .milliseconds(Int64(usual * 250))), pollMax)
        while !response.prediction.status.isTerminal {
            if let progress = response.prediction.progressPercent {
                try await store.updateProgress(generation.id, to: min(progress, 99), lease: lease)
            }
            let holder = try await store.holder(of: generation.id)
            if holder?.status == .cancelled {
                await cancelPrediction(response.prediction.id, of: generation)
                logger.info("Cancelled prediction of a cancelled generation")
                return .done(.done(result: ["outcome": "cancelled"]))
            }
            if holder?.lease != lease {
                // A later delivery of this job took over; it resumes the same recorded prediction.
                logger.notice("Superseded by a later attempt; leaving the prediction to it")
                return .done(.done(result: ["outcome": "superseded"]))
            }
            if Date() > deadline {
                try await store.fail(generation.id, failure, predictionRunning: true, lease: lease)
                await cancelPrediction(response.prediction.id, of: generation)
                return .done(.done(result: ["outcome": "timed out"]))
            }
            // Replicate's rate limit nearly spent: wait for its reset (a minute at most).
            var throttled = Duration.zero
            if let remaining = response.rateLimitRemaining, remaining < 5, let reset = response.rateLimitReset {
                throttled = min(reset, .seconds(60))
            }
            if let parkAfter, ContinuousClock.now - started >= parkAfter {
                // Nothing to do until Replicate is done: hand the job back to be delivered near the next check.
                let untilTypicalEnd = (generation.createStartedAt ?? Date()).addingTimeInterval(usual).timeIntervalSinceNow
                // Back by the deadline at the latest, to end the generation then.
                let untilDeadline = Duration.seconds(max(0, deadline.timeIntervalSinceNow))
                if webhook != nil {
                    // Replicate posts the result: poll only in case that is lost, a while after the model usually finishes.
                    return .done(.snooze(after: min(.seconds(max(0, untilTypicalEnd)) + webhookPoll, untilDeadline)))
                }
                return .done(.snooze(after: min(max(throttled, timing.nextPoll(untilTypicalEnd: untilTypicalEnd, pollMax: pollMax)), untilDeadline)))
            }
            let pause = max(interval, throttled)
            try await Task.sleep(for: pause)
            interval = min(interval * 1.5, pollMax)
            do {
                response = try await api.get(response.prediction.id)
            } catch let error as ReplicateError where error.isRetryable {
                Counter(label: MetricName.generatorPollErrorsTotal).increment()
                // Parked jobs wait for Replicate in the queue, not in a held delivery (the job comes back, no attempt spent).
                if parkAfter != nil || breaker.isOpen { throw error }
                // A passing 429/5xx while holding on: wait as told (a minute at most) and poll again.
                if let retryAfter = error.retryAfter { try await Task.sleep(for: min(retryAfter, .seconds(60))) }
            }
        }
        return .next(response)
    }

    /// What the ended prediction means for the generation, applied (see ``PredictionOutcome``).
    private func finish(_ prediction: Prediction, of generation: Generation, model: ModelSpec, lease: JobLease, logger: Logger) async throws
        -> JobOutcome
    {
        let outcome = PredictionOutcome(prediction, model: model, width: generation.width, height: generation.height)
        let settled = try await store.settle(generation, predictionID: prediction.id, outcome, lease: lease)
        guard case .succeeded(let outputs, let predictTime, _) = outcome else {
            return .done(result: ["outcome": "failed", "prediction_status": .string(prediction.status.rawValue)])
        }
        guard settled else {
            logger.info("Prediction succeeded after the generation stopped running", metadata: ["prediction.id": "\(prediction.id)"])
            return .done(result: ["outcome": "not running", "prediction_id": .string(prediction.id)])
        }
        if let predictTime {
            timings.recordRun(model.id, seconds: predictTime)
            Metrics.Timer(label: MetricName.generatorPredictionDurationSeconds, dimensions: [("model", model.id)], preferredDisplayUnit: .seconds)
                .recordSeconds(predictTime)
        }
        logger.info("Prediction succeeded", metadata: ["prediction.id": "\(prediction.id)", "outputs": "\(outputs.count)"])
        return .done(result: ["outcome": "succeeded", "prediction_id": .string(prediction.id)])
    }
}

/// A part of a delivery either hands its result to the next part or ends the delivery with an outcome.
private enum Step<Value> {
    case next(Value)
    case done(JobOutcome)
}
