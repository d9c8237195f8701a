import Catalog
import Foundation
import Generations
import ReplicateAPI
import ServiceKit
import WireFormat

/// Finds a prediction an earlier attempt created but never heard back about (the create call's answer was lost to a
/// timeout, a proxy's 5xx or a crash), so a retry adopts it instead of paying for a second one.
///
/// Replicate has no idempotency key, so the search reads the account's newest predictions created since the
/// generation's first create call may have started (less a small allowance for clocks), for one of the same model with
/// the same input that no generation has recorded, no delivery of this one gave up, and nobody cancelled. It adopts only
/// when exactly one matches: two would mean another generation with the same input is inside its own unrecorded window,
/// and guessing could take its prediction.
struct LostPredictionSearch: Sendable {
    let api: any PredictionsAPI
    let store: GenerationStore
    /// Pages of 100 read at most; a prediction older than that is given up on (and a new one created).
    var maxPages = 10
    /// Allowance for the clocks of Replicate and of the database disagreeing.
    var clockSkew: TimeInterval = 5

    func find(
        for generation: UUID, model: String, version: String?, input: [String: JSONValue], createdAfter: Date
    ) async throws -> Prediction? {
        // Compare inputs as Replicate echoes them: through JSON, where 4.0 reads back as 4.
        let sent = try JSONDecoder().decode([String: JSONValue].self, from: JSONEncoder().encode(input))
        let oldest = createdAfter.addingTimeInterval(-clockSkew)
        var candidates: [Prediction] = []
        var next: String?
        pages: for _ in 0..<maxPages {
            let page = try await api.list(next: next)
            for prediction in page.results {
                if let created = prediction.createdAt.flatMap(Timestamp.parse), created < oldest { break pages }
                guard prediction.model == model, version.map({ prediction.version.hasSuffix($0) }) ?? true, prediction.status != .canceled,
                    prediction.status != .aborted,
                    let echoed = prediction.input, sent.allSatisfy({ echoed[$0.key] == $0.value })
                else { continue }
                if try await !store.isTaken(predictionID: prediction.id, for: generation) { candidates.append(prediction) }
            }
            guard let following = page.next else { break }
            next = following
        }
        return candidates.count == 1 ? candidates[0] : nil
    }
}
