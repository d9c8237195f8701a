import ReplicateAPI
import Synchronization

/// How many of this generator's predictions may have Replicate post `logs` (progress) webhooks at once
/// (`REPLICATE_PROGRESS_WEBHOOKS_MAX`). Replicate posts each running prediction's progress up to twice a second, so ten
/// thousand predictions started in a burst would send twenty thousand webhooks a second, and completions would queue
/// behind them. Past the limit a prediction is created without `logs`: it still reports its start and its end, and the
/// generation's progress comes from those and its estimate. A prediction counts until the model usually ends (its learned
/// p90), since the generator is not told when it does.
package final class ProgressWebhookQuota: Sendable {
    private let limit: Int
    private let running = Mutex<[ContinuousClock.Instant]>([])

    package init(limit: Int) {
        self.limit = limit
    }

    /// `webhook` as it should be asked for of a prediction expected to run `seconds`: with `logs` while there is room.
    package func webhook(_ webhook: PredictionWebhook?, runningFor seconds: Double) -> PredictionWebhook? {
        guard var webhook, webhook.events.contains("logs") else { return webhook }
        let now = ContinuousClock.now
        let taken = running.withLock { running in
            running.removeAll { $0 <= now }
            guard running.count < limit else { return false }
            running.append(now + .milliseconds(Int64(max(0, seconds) * 1000)))
            return true
        }
        if !taken { webhook.events.removeAll { $0 == "logs" } }
        return webhook
    }
}
