import Foundation
import PublicAPI
import WireFormat

// How the CLI shows the API's bodies (`PublicAPI`, the types the gateway encodes); `--json` prints the API's own JSON.

extension GenerationBody {
    /// One line for a listing: id, status, model, prompt.
    var line: String {
        let shortPrompt = prompt.count > 48 ? prompt.prefix(47) + "…" : Substring(prompt)
        return "\(id.lowercase)  \(status.rawValue.padding(toLength: 11, withPad: " ", startingAt: 0)) \(modelId)  \"\(shortPrompt)\""
    }

    var details: String {
        var lines = [
            "id:       \(id.lowercase)",
            "status:   \(status.rawValue)\(status.isTerminal ? "" : " (\(progress) %)")",
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

extension UsageRow {
    var line: String {
        let cost = costUsd.map { String(format: "$%.4f", $0) } ?? "-"
        return
            "\(key.padding(toLength: 44, withPad: " ", startingAt: 0)) \(generations) generations, \(completed) completed, \(images) images, \(cost)"
    }
}
