import Catalog
import Foundation
import ReplicateAPI

/// All predictions the simulator knows, with call counters for assertions. Memory is bounded by eviction after retention.
actor PredictionRegistry {
    private var predictions: [String: SimulatedPrediction] = [:]
    /// Creation order, newest last, for listing.
    private var order: [String] = []
    private(set) var counters: [String: Int] = [:]
    var scenario: Scenario

    init(scenario: Scenario) {
        self.scenario = scenario
    }

    func count(_ endpoint: String) { counters[endpoint, default: 0] += 1 }

    /// When creates were admitted in the last minute (the account's create limit).
    private var recentCreates: [Date] = []

    /// Admits a create under `perMinute` creates in any 60 seconds (0: no limit); else the seconds until one is allowed.
    func admitCreate(perMinute: Int, now: Date = Date()) -> Int? {
        guard perMinute > 0 else { return nil }
        recentCreates.removeAll { now.timeIntervalSince($0) >= 60 }
        guard recentCreates.count >= perMinute else {
            recentCreates.append(now)
            return nil
        }
        return max(1, Int((60 - now.timeIntervalSince(recentCreates[0])).rounded(.up)))
    }

    func insert(_ prediction: SimulatedPrediction) {
        predictions[prediction.id] = prediction
        order.append(prediction.id)
        counters["predictions.created", default: 0] += 1
        counters["predictions.created.\(prediction.model.id)", default: 0] += 1
    }

    func get(_ id: String) -> SimulatedPrediction? { predictions[id] }

    /// Cancels a running prediction (no effect once terminal), taking effect `delay` seconds from `now`; returns it.
    func cancel(_ id: String, at now: Date, delay: Double = 0) -> SimulatedPrediction? {
        guard var prediction = predictions[id] else { return nil }
        if !prediction.status(at: now).isTerminal && prediction.canceledAt == nil {
            prediction.canceledAt = now.addingTimeInterval(delay)
            predictions[id] = prediction
        }
        return prediction
    }

    /// A page of predictions, newest first, strictly older than the cursor id.
    func list(before cursor: String?, limit: Int) -> (page: [SimulatedPrediction], next: String?) {
        var index = order.count - 1
        if let cursor, let position = order.lastIndex(of: cursor) { index = position - 1 }
        var page: [SimulatedPrediction] = []
        while index >= 0 && page.count < limit {
            if let prediction = predictions[order[index]] { page.append(prediction) }
            index -= 1
        }
        return (page, index >= 0 ? page.last?.id : nil)
    }

    func update(_ change: (inout Scenario) -> Void) { change(&scenario) }

    func reset(to scenario: Scenario) {
        self.scenario = scenario
        predictions = [:]
        order = []
        counters = [:]
    }

    /// Forgets predictions finished more than twice the retention ago.
    func evict(now: Date) -> Int {
        let cutoff = now.addingTimeInterval(-2 * max(scenario.retentionSeconds, 1))
        let expired = predictions.values.filter { ($0.completedAt ?? .distantFuture) < cutoff }.map(\.id)
        for id in expired { predictions[id] = nil }
        if !expired.isEmpty { order.removeAll { predictions[$0] == nil } }
        return expired.count
    }

    var size: Int { predictions.count }
}
