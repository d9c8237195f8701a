import Foundation
import WireFormat

/// Replicate's prediction statuses (`aborted` exists upstream since 2025 and is treated like `canceled`).
package enum PredictionStatus: String, Sendable, Codable {
    case starting, processing, succeeded, failed, canceled, aborted

    package var isTerminal: Bool { self == .succeeded || self == .failed || self == .canceled || self == .aborted }
}

/// A prediction object as Replicate returns it (GET, POST, cancel and webhook bodies).
package struct Prediction: Sendable, Codable, Equatable {
    package var id: String
    package var model: String
    package var version: String
    package var input: [String: JSONValue]?
    package var output: JSONValue?
    package var logs: String?
    package var error: String?
    package var status: PredictionStatus
    package var createdAt: String?
    package var startedAt: String?
    package var completedAt: String?
    package var metrics: Metrics?
    package var urls: [String: String]
    package var dataRemoved: Bool?
    /// When Replicate cancels it by itself: present when it was created with `Cancel-After`.
    package var deadline: String?

    package struct Metrics: Sendable, Codable, Equatable {
        package var predictTime: Double?
        package var totalTime: Double?
        package init(predictTime: Double?, totalTime: Double? = nil) {
            self.predictTime = predictTime
            self.totalTime = totalTime
        }

        /// Replicate's names (`metrics.predict_time`, `metrics.total_time`), checked against recorded bodies.
        enum CodingKeys: String, CodingKey {
            case predictTime = "predict_time"
            case totalTime = "total_time"
        }
    }

    package init(
        id: String, model: String, version: String, input: [String: JSONValue]?, output: JSONValue?, logs: String?, error: String?,
        status: PredictionStatus, createdAt: String?, startedAt: String?, completedAt: String?, metrics: Metrics?,
        urls: [String: String], dataRemoved: Bool?
    ) {
        self.id = id
        self.model = model
        self.version = version
        self.input = input
        self.output = output
        self.logs = logs
        self.error = error
        self.status = status
        self.createdAt = createdAt
        self.startedAt = startedAt
        self.completedAt = completedAt
        self.metrics = metrics
        self.urls = urls
        self.dataRemoved = dataRemoved
    }

    enum CodingKeys: String, CodingKey {
        case id, model, version, input, output, logs, error, status, metrics, urls
        case createdAt = "created_at"
        case startedAt = "started_at"
        case completedAt = "completed_at"
        case dataRemoved = "data_removed"
        case deadline
    }

    /// Output URLs in order, whether the model returns one URL or a list.
    package var outputURLs: [String] {
        switch output {
        case .string(let url)?: [url]
        case .array(let items)?: items.compactMap { if case .string(let url) = $0 { url } else { nil } }
        default: []
        }
    }

    /// Progress 0–100 from the last `NN%|…|` progress bar in the logs, as the official clients parse it.
    package var progressPercent: Int? {
        guard let logs else { return nil }
        for line in logs.split(whereSeparator: \.isNewline).reversed() {
            if let percent = line.firstRange(of: "%|").map({ line[line.startIndex..<$0.lowerBound] }),
                let value = Int(percent.trimmingCharacters(in: .whitespaces).split(separator: " ").last ?? "")
            {
                return min(max(value, 0), 100)
            }
        }
        return nil
    }
}
