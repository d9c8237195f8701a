import ArgumentParser
import Foundation
import WireFormat

/// What went wrong, printed plainly, with an exit code per class so scripts can tell them apart.
enum CLIError: Error, CustomStringConvertible {
    /// A flag or setting is missing or wrong (exit 64).
    case usage(String)
    /// The API answered an error: its problem details.
    case api(status: Int, ProblemDetails)
    /// The server could not be reached, or answered something unreadable (exit 69).
    case unreachable(String)
    case server(String)
    /// The generation finished without images (exit 1).
    case generationFailed(String)

    /// 64 usage, 65 validation (400, 409, 422), 66 not found, 67 budget or rate limit (402, 429), 77 auth (401, 403),
    /// 69 server (5xx, unreachable), 1 a generation that failed or was cancelled.
    var exitCode: Int32 {
        switch self {
        case .usage: 64
        case .api(let status, _):
            switch status {
            case 401, 403: 77
            case 404: 66
            case 402, 429: 67
            case 400..<500: 65
            default: 69
            }
        case .unreachable, .server: 69
        case .generationFailed: 1
        }
    }

    var description: String {
        switch self {
        case .usage(let message): return "error: \(message)"
        case .api(let status, let problem):
            var lines = ["error: \(problem.title ?? "HTTP \(status)") (\(status))"]
            // Field errors when there are (the detail repeats them), else the detail.
            if let errors = problem.errors, !errors.isEmpty {
                for error in errors { lines.append("  \(error.field): \(error.message)") }
            } else if let detail = problem.detail, !detail.isEmpty {
                lines.append("  \(detail)")
            }
            return lines.joined(separator: "\n")
        case .unreachable(let message): return "error: cannot reach \(message)"
        case .server(let message): return "error: \(message)"
        case .generationFailed(let message): return message
        }
    }
}

extension AsyncParsableCommand {
    /// Runs `body`, printing a CLIError plainly to standard error and exiting with its class's code.
    func reporting(_ body: () async throws -> Void) async throws {
        do {
            try await body()
        } catch let error as CLIError {
            FileHandle.standardError.write(Data((error.description + "\n").utf8))
            throw ExitCode(error.exitCode)
        }
    }
}
