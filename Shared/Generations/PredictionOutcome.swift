import Catalog
import Foundation
import ReplicateAPI
import WireFormat

/// What a prediction means for its generation, decided here once: the generator's poll and the gateway's Replicate
/// webhook both ask, so the two paths cannot disagree (on `data_removed`, on what a failure costs, on a status name).
package enum PredictionOutcome: Sendable, Equatable {
    /// Replicate is not done (its progress, when the logs tell it).
    case running(progress: Int?)
    /// Outputs to store, with what they cost.
    case succeeded(outputs: [String], predictTime: Double?, cost: Double?)
    /// The generation fails; a per-second model is still billed for the time the prediction ran.
    case failed(GenerationFailure, billed: Double?)

    /// The outcome of `prediction` for a generation of `model` (nil: no longer in the catalog) at `width`×`height`.
    package init(_ prediction: Prediction, model: ModelSpec?, width: Int, height: Int) {
        let predictTime = prediction.metrics?.predictTime
        let billed = model?.cost(outputs: 0, predictTime: predictTime, width: width, height: height).flatMap { $0 > 0 ? $0 : nil }
        switch prediction.status {
        case .starting, .processing:
            self = .running(progress: prediction.progressPercent)
        case .succeeded:
            let outputs = prediction.outputURLs
            if outputs.isEmpty {
                // Replicate deletes outputs an hour after the prediction; before that, none means the model gave none.
                self = .failed(prediction.dataRemoved == true ? .outputExpired : .noOutput, billed: billed)
            } else {
                let cost = model?.cost(outputs: outputs.count, predictTime: predictTime, width: width, height: height)
                self = .succeeded(outputs: outputs, predictTime: predictTime, cost: cost)
            }
        case .failed:
            let refused = GenerationFailure.isSafetyRefusal(prediction.error)
            self = .failed(refused ? .contentFiltered(prediction.error) : .modelFailed(prediction.error), billed: billed)
        case .canceled, .aborted:
            // Canceled at Replicate: by itself at the deadline we gave it (`Cancel-After`), by us for a cancelled
            // generation (which stays cancelled), or by someone else.
            let reachedDeadline = prediction.deadline.flatMap(Timestamp.parse).map { $0 <= Date().addingTimeInterval(1) } ?? false
            self = .failed(reachedDeadline ? .deadlineReached : .cancelledUpstream, billed: billed)
        }
    }

    /// What Replicate bills for the prediction once it ended (its outputs, or the time it ran): what a generation that
    /// stopped waiting for it still costs.
    package var billed: Double? {
        switch self {
        case .running: nil
        case .succeeded(_, _, let cost): cost
        case .failed(_, let billed): billed
        }
    }
}
