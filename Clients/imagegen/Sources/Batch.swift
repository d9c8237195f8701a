import ArgumentParser
import Crypto
import Foundation
import PublicAPI
import Synchronization
import WireFormat

struct Batch: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Generate a catalogue: a prompt per line (or a generation request per JSON line), images saved as they complete.",
        discussion: """
            Sends the file as one batch (at most 10,000 lines), shows its progress, and saves each completed item's images \
            into --out as <index>-<output>.<format>. Running the same file again returns the same batch (its hash is the \
            idempotency key). --resume <batch id> follows a batch again and saves only what the folder lacks. Exits 1 when \
            any item failed or was cancelled.
            """
    )
    @OptionGroup var connection: Connection
    @Argument(help: "A file with a prompt per line, or a JSON generation request per line ('-' reads standard input).") var file: String?
    @Option(help: "The model of plain prompt lines (an id or alias).") var model = "black-forest-labs/flux-schnell"
    @Option(help: "WIDTHxHEIGHT of plain prompt lines, e.g. 1344x768 (default: the model's).") var size: String?
    @Option(help: "The folder to save the images in.") var out = "."
    @Option(help: "Follow this batch again instead of sending a file.") var resume: String?
    @Flag(help: "Print the batch as JSON at the end instead of a summary.") var json = false

    func validate() throws {
        guard (file == nil) != (resume == nil) else { throw ValidationError("give a file to send, or --resume <batch id>, not both") }
        if let size { _ = try ImageSize(size) }
    }

    func run() async throws {
        try await reporting {
            let client = try connection.client()
            let folder = URL(fileURLWithPath: out, isDirectory: true)
            do {
                try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            } catch {
                throw CLIError.usage("cannot create --out folder \(out): \(error.localizedDescription)")
            }
            let id: String
            if let resume { id = resume } else { id = try await send(client) }
            let progress = BatchProgress(id: id, quiet: json)
            var saved = 0
            var batch: BatchBody
            while true {
                batch = try await client.call(.GET, "/v1/batches/\(id)")
                if batch.counts.completed > saved || batch.status != .running { saved = try await save(id, into: folder, client: client) }
                progress.show(batch, saved: saved)
                if batch.status != .running { break }
                try await Task.sleep(for: .seconds(2))
            }
            progress.finish()
            if json {
                printRaw(try await client.raw(.GET, "/v1/batches/\(id)"))
            } else {
                let counts = batch.counts
                print("batch \(id): \(counts.completed) completed, \(counts.failed) failed, \(counts.cancelled) cancelled; \(saved) images in \(out)")
            }
            if batch.counts.failed + batch.counts.cancelled > 0 { throw ExitCode(1) }
        }
    }

    /// Sends the file as a batch (JSON Lines); returns its id.
    private func send(_ client: APIClient) async throws -> String {
        let text: String
        if file == "-" {
            text = String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self)
        } else {
            guard let data = FileManager.default.contents(atPath: file!) else { throw CLIError.usage("cannot read \(file!)") }
            text = String(decoding: data, as: UTF8.self)
        }
        var lines: [String] = []
        for line in text.split(whereSeparator: \.isNewline) {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            guard !trimmed.isEmpty else { continue }
            if trimmed.hasPrefix("{") {
                lines.append(trimmed)
                continue
            }
            var request: [String: JSONValue] = ["prompt": .string(trimmed), "model_id": .string(model)]
            if let size {
                let parsed = try ImageSize(size)
                request["width"] = .int(parsed.width)
                request["height"] = .int(parsed.height)
            }
            lines.append(String(decoding: try JSONCoding.encoder().encode(request), as: UTF8.self))
        }
        guard !lines.isEmpty else { throw CLIError.usage("\(file!) has no prompts") }
        let body = Data((lines.joined(separator: "\n") + "\n").utf8)
        let key = "cli-" + SHA256.hash(data: body).map { String(format: "%02x", $0) }.joined().prefix(40)
        let created = try JSONCoding.decoder().decode(
            BatchBody.self,
            from: try await client.send(.POST, "/v1/batches", body: ("application/x-ndjson", body), headers: [("Idempotency-Key", String(key))]))
        FileHandle.standardError.write(
            Data("batch \(created.id.lowercase): \(created.itemCount) items (imagegen batch --resume \(created.id.lowercase))\n".utf8))
        return created.id.lowercase
    }

    /// Saves every completed item's images the folder lacks; returns how many images the folder holds for the batch.
    private func save(_ id: String, into folder: URL, client: APIClient) async throws -> Int {
        let lines = try await client.raw(.GET, "/v1/batches/\(id)/results")
        var saved = 0
        for line in lines.split(separator: UInt8(ascii: "\n")) where !line.isEmpty {
            let result = try JSONCoding.decoder().decode(BatchResultLine.self, from: Data(line))
            for image in result.images {
                let file = folder.appendingPathComponent(String(format: "%05d-%d.%@", result.index, image.outputIndex, image.format))
                if !FileManager.default.fileExists(atPath: file.path) { try await client.download(image.publicUrl, to: file) }
                saved += 1
            }
        }
        return saved
    }
}

/// A batch's progress on standard error: a bar redrawn in place on a terminal, a line per 10 % otherwise.
final class BatchProgress: Sendable {
    private let id: String
    private let quiet: Bool
    private let terminal = isatty(STDERR_FILENO) == 1
    private let printedTenth = Mutex(-1)

    init(id: String, quiet: Bool) {
        self.id = id
        self.quiet = quiet
    }

    func show(_ batch: BatchBody, saved: Int) {
        guard !quiet else { return }
        let counts = batch.counts
        let finished = counts.completed + counts.failed + counts.cancelled
        let line = "\(finished)/\(batch.itemCount) finished (\(counts.completed) completed, \(counts.failed) failed), \(saved) images saved"
        if terminal {
            let width = 24
            let filled = width * finished / max(batch.itemCount, 1)
            let bar = String(repeating: "█", count: filled) + String(repeating: "░", count: width - filled)
            FileHandle.standardError.write(Data("\r\u{1B}[2K\(bar) \(line)".utf8))
        } else {
            let tenth = 10 * finished / max(batch.itemCount, 1)
            let isNew = printedTenth.withLock { printed in
                defer { printed = max(printed, tenth) }
                return tenth > printed
            }
            if isNew { FileHandle.standardError.write(Data("batch \(id): \(line)\n".utf8)) }
        }
    }

    func finish() {
        if terminal, !quiet { FileHandle.standardError.write(Data("\n".utf8)) }
    }
}
