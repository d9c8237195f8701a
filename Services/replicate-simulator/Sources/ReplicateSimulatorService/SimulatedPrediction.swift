import Catalog
import Foundation
import ReplicateAPI
import ServiceKit
import WireFormat

/// A prediction whose state is a pure function of the clock: no task or timer per prediction, so thousands run at once.
struct SimulatedPrediction: Sendable {
    enum Outcome: Sendable {
        case succeed
        case fail(String)
    }

    var id: String
    var model: ModelSpec
    var version: String
    var input: [String: JSONValue]
    var createdAt: Date
    var queueSeconds: Double
    var runSeconds: Double
    var outcome: Outcome
    /// When a cancel call takes effect.
    var canceledAt: Date?
    /// `Cancel-After` from its creation: Replicate cancels it then by itself (before it starts too: `canceled`, as the
    /// clients decode it, not the newer `aborted`).
    var deadline: Date? = nil
    var webhook: String?
    var webhookEvents: Set<String>
    var retentionSeconds: Double
    var outputMode: String

    var startedAt: Date { createdAt.addingTimeInterval(queueSeconds) }
    var finishedAt: Date { startedAt.addingTimeInterval(runSeconds) }
    /// When it stops early: a cancel or its deadline, whichever comes first.
    var stoppedAt: Date? { [canceledAt, deadline].compactMap { $0 }.min() }
    var completedAt: Date? { stoppedAt.map { min($0, finishedAt) } ?? finishedAt }

    /// The status at `now`.
    func status(at now: Date) -> PredictionStatus {
        if let stoppedAt, stoppedAt < finishedAt, now >= stoppedAt { return .canceled }
        if now < startedAt { return .starting }
        if now < finishedAt { return .processing }
        if case .fail = outcome { return .failed }
        return .succeeded
    }

    /// How many outputs the model produces for this input.
    var outputCount: Int {
        if let name = model.numOutputsInput, case .int(let count)? = input[name] { return count }
        return 1
    }

    var outputExtension: String {
        if let format = input["output_format"]?.string { return format }
        return model.outputFormat
    }

    /// The model's denoising steps, which the progress lines count.
    private var steps: Int { max(model.field(model.stepsInput ?? "")?.defaultValue?.number.map(Int.init) ?? 20, 1) }

    private func fraction(at now: Date) -> Double { runSeconds > 0 ? now.timeIntervalSince(startedAt) / runSeconds : 1 }

    /// How many progress lines the logs of a processing prediction show at `now` (they change when this does): cheap
    /// enough to check for every running prediction twice a second, which building `snapshot` is not.
    func progressLines(at now: Date) -> Int {
        let total = steps
        let current = min(total, max(0, Int((fraction(at: now) * Double(total)).rounded(.down))))
        return current / max(1, total / 10) + 1
    }

    /// The Replicate JSON for this prediction at `now`.
    func snapshot(at now: Date, baseURL: String, render: (Int) -> String) -> Prediction {
        let status = status(at: now)
        var prediction = Prediction(
            id: id, model: model.id, version: version, input: input, output: nil, logs: "", error: nil, status: status,
            createdAt: Timestamp.format(createdAt), startedAt: nil, completedAt: nil, metrics: nil,
            urls: [
                "get": "\(baseURL)/v1/predictions/\(id)", "cancel": "\(baseURL)/v1/predictions/\(id)/cancel",
                "web": "https://replicate.com/p/\(id)",
            ],
            dataRemoved: false
        )
        if status != .starting, stoppedAt.map({ $0 > startedAt }) ?? true { prediction.startedAt = Timestamp.format(startedAt) }
        prediction.deadline = deadline.map(Timestamp.format)
        let total = steps
        switch status {
        case .starting:
            break
        case .processing:
            prediction.logs = Self.progressLogs(fraction: fraction(at: now), total: total)
        case .succeeded:
            prediction.logs = Self.progressLogs(fraction: 1, total: total)
            prediction.completedAt = Timestamp.format(finishedAt)
            prediction.metrics = .init(predictTime: runSeconds, totalTime: queueSeconds + runSeconds)
            if now.timeIntervalSince(finishedAt) > retentionSeconds {
                prediction.dataRemoved = true
            } else {
                let urls = (0..<outputCount).map { JSONValue.string(render($0)) }
                prediction.output = model.outputShape == .array ? .array(urls) : urls[0]
            }
        case .failed:
            if case .fail(let message) = outcome { prediction.error = message }
            prediction.logs = Self.progressLogs(fraction: 0.5, total: total)
            prediction.completedAt = Timestamp.format(finishedAt)
            prediction.metrics = .init(predictTime: runSeconds)
        case .canceled, .aborted:
            prediction.logs = nil
            prediction.completedAt = completedAt.map(Timestamp.format)
            prediction.metrics = .init(predictTime: max(0, (stoppedAt ?? now).timeIntervalSince(startedAt)))
        }
        return prediction
    }

    /// tqdm-style lines, the last one showing `NN%|…| cur/total`.
    static func progressLogs(fraction: Double, total: Int) -> String {
        let current = min(total, max(0, Int((fraction * Double(total)).rounded(.down))))
        var lines = ["Using seed: 42"]
        for step in stride(from: 0, through: current, by: max(1, total / 10)) {
            let percent = step * 100 / total
            let bar = String(repeating: "█", count: percent / 10).padding(toLength: 10, withPad: " ", startingAt: 0)
            lines.append("\(String(format: "%3d", percent))%|\(bar)| \(step)/\(total) [00:00<00:00, 10.00it/s]")
        }
        return lines.joined(separator: "\n") + "\n"
    }
}

/// Replicate-style ids: 26 lowercase base-32 characters.
func makePredictionID() -> String {
    let alphabet = Array("abcdefghijklmnopqrstuvwxyz0123456789")
    return String((0..<26).map { _ in alphabet.randomElement()! })
}
