import Foundation

/// The fields of a generation the CLI shows (the API sends more; `--json` prints all of it).
struct GenerationBody: Decodable, Sendable {
    var id: String
    var status: String
    var progress: Int
    var prompt: String
    var modelId: String
    var width: Int
    var height: Int
    var errorMessage: String?
    var cost: Double?
    var createdAt: Date
    var completedAt: Date?
    /// Only a single generation's body has them.
    var images: [ImageBody]?

    struct ImageBody: Decodable, Sendable {
        var outputIndex: Int
        var publicUrl: String
        var format: String
        var width: Int
        var height: Int
        var fileSize: Int
    }

    var isTerminal: Bool { ["completed", "failed", "cancelled"].contains(status) }

    /// One line for a listing: id, status, model, prompt.
    var line: String {
        let shortPrompt = prompt.count > 48 ? prompt.prefix(47) + "…" : Substring(prompt)
        return "\(id)  \(status.padding(toLength: 11, withPad: " ", startingAt: 0)) \(modelId)  \"\(shortPrompt)\""
    }

    var details: String {
        var lines = [
            "id:       \(id)",
            "status:   \(status)\(isTerminal ? "" : " (\(progress) %)")",
            "model:    \(modelId)",
            "size:     \(width)x\(height)",
            "prompt:   \(prompt)",
            "created:  \(createdAt.formatted(.iso8601))",
        ]
        if let completedAt { lines.append("finished: \(completedAt.formatted(.iso8601))") }
        if let cost { lines.append(String(format: "cost:     $%.4f", cost)) }
        if let errorMessage { lines.append("error:    \(errorMessage)") }
        for image in images ?? [] {
            lines.append("image \(image.outputIndex): \(image.width)x\(image.height) \(image.format), \(image.fileSize) bytes, \(image.publicUrl)")
        }
        return lines.joined(separator: "\n")
    }
}

struct GenerationPage: Decodable, Sendable {
    var data: [GenerationBody]
    var nextCursor: String?
}

struct UsageReportBody: Decodable, Sendable {
    struct Row: Decodable, Sendable {
        var key: String?
        var generations: Int
        var completed: Int
        var images: Int
        var costUsd: Double?

        var line: String {
            let cost = costUsd.map { String(format: "$%.4f", $0) } ?? "-"
            return
                "\((key ?? "total").padding(toLength: 44, withPad: " ", startingAt: 0)) \(generations) generations, \(completed) completed, \(images) images, \(cost)"
        }
    }
    var data: [Row]
    var total: Row
}

/// One event of a generation's stream.
struct StatusEvent: Decodable, Sendable {
    var status: String
    var progress: Int
    var errorMessage: String?
}
