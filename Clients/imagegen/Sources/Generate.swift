import ArgumentParser
import AsyncHTTPClient
import Foundation
import PublicAPI
import WireFormat

struct Generate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Generate images from a prompt: submit, watch the progress, download the images.",
        discussion: "Ctrl-C asks whether to cancel the generation (without a terminal to ask, it is left running)."
    )
    @OptionGroup var connection: Connection
    @Argument(help: "What to draw.") var prompt: String
    @Option(help: "A model id or alias (see `imagegen models`).") var model = "black-forest-labs/flux-schnell"
    @Option(help: "WIDTHxHEIGHT, e.g. 1344x768.") var size = "1024x1024"
    @Option(name: .customShort("n"), help: "How many images (1-4, as the model allows).") var count = 1
    @Option(help: "Inference steps, where the model takes them.") var steps: Int?
    @Option(help: "Guidance scale, where the model takes it.") var guidance: Double?
    @Option(help: "What to avoid, where the model takes it.") var negative: String?
    @Option(help: "A seed, for repeatable images.") var seed: Int?
    @Option(help: "Start from this image (a local file, uploaded first; an https URL; or an uploaded file's id), where the model supports it.")
    var image: String?
    @Option(help: "Inpaint: repaint the white of this mask (as --image), where the model takes one.") var mask: String?
    @Option(help: "The folder to save the images in.") var out = "."
    @Flag(help: "Print the id and return at once.") var noWait = false
    @Flag(help: "Print JSON (the generation, and the saved paths) instead of progress.") var json = false

    func validate() throws {
        _ = try ImageSize(size)
        guard (1...4).contains(count) else { throw ValidationError("-n must be between 1 and 4; got \(count)") }
    }

    func run() async throws {
        try await reporting {
            let client = try connection.client()
            let parsed = try ImageSize(size)
            var body: [String: JSONValue] = [
                "prompt": .string(prompt), "model_id": .string(model),
                "width": .int(parsed.width), "height": .int(parsed.height), "num_outputs": .int(count),
            ]
            if let steps { body["num_inference_steps"] = .int(steps) }
            if let guidance { body["guidance_scale"] = .double(guidance) }
            if let negative { body["negative_prompt"] = .string(negative) }
            if let seed { body["seed"] = .int(seed) }
            if let image { body["source_image_url"] = .string(try await InputImage.reference(image, flag: "--image", client: client)) }
            if let mask { body["mask_image_url"] = .string(try await InputImage.reference(mask, flag: "--mask", client: client)) }
            let created: GenerationBody = try await client.call(.POST, "/v1/generations", body: JSONValue.object(body))
            if noWait {
                if json { printRaw(try await client.raw(.GET, "/v1/generations/\(created.id.lowercase)")) } else { print(created.id.lowercase) }
                return
            }
            let progress = ProgressDisplay(id: created.id.lowercase, quiet: json)
            progress.show(created)
            let finished = try await Interrupts.whileRunning {
                try await watch(created.id.lowercase, client: client, progress: progress)
            } onInterrupt: {
                try await askToCancel(created.id.lowercase, client: client, progress: progress)
            }
            progress.finish(finished.status)
            guard finished.status == .completed else {
                if json { printRaw(try await client.raw(.GET, "/v1/generations/\(finished.id.lowercase)")) }
                throw CLIError.generationFailed(
                    "generation \(finished.id.lowercase) \(finished.status.rawValue)\(finished.errorMessage.map { ": \($0)" } ?? "")")
            }
            let paths = try await save(finished, client: client)
            if json {
                struct Saved: Encodable {
                    var generation: JSONValue
                    var files: [String]
                }
                let generation = try JSONCoding.decoder().decode(
                    JSONValue.self, from: try await client.raw(.GET, "/v1/generations/\(finished.id.lowercase)"))
                printRaw(try JSONCoding.encoder().encode(Saved(generation: generation, files: paths)))
            } else {
                for path in paths { print(path) }
            }
        }
    }

    /// Follows the generation's event stream until it finishes (reconnecting after a drop, from the last event seen);
    /// returns it as the API has it then.
    private func watch(_ id: String, client: APIClient, progress: ProgressDisplay) async throws -> GenerationBody {
        var lastEventID: String?
        var failures = 0
        while true {
            do {
                let response = try await client.stream("/v1/generations/\(id)/events", lastEventID: lastEventID)
                for try await event in ServerSentEvents(response.body) {
                    lastEventID = event.id ?? lastEventID
                    let data = Data(event.data.utf8)
                    if event.name == "queue", let place = try? JSONCoding.decoder().decode(QueueEvent.self, from: data) {
                        progress.show(place)
                    } else if event.name == "status", let status = try? JSONCoding.decoder().decode(GenerationEvent.self, from: data) {
                        progress.show(status)
                        failures = 0
                    }
                }
            } catch let error as CLIError {
                if case .api = error { throw error }
                failures += 1
                if failures > 5 { throw error }
                try await Task.sleep(for: .seconds(failures))
            }
            // The stream ends after a terminal event, or was cut: the generation itself says which.
            let generation: GenerationBody = try await client.call(.GET, "/v1/generations/\(id)")
            if generation.status.isTerminal { return generation }
        }
    }

    /// Ctrl-C: asks on the terminal whether to cancel; cancelling ends the command (exit 130), no keeps waiting.
    private func askToCancel(_ id: String, client: APIClient, progress: ProgressDisplay) async throws {
        progress.pause()
        guard isatty(STDIN_FILENO) == 1 else {
            FileHandle.standardError.write(Data("\ninterrupted; generation \(id) keeps running (imagegen cancel \(id))\n".utf8))
            throw ExitCode(130)
        }
        FileHandle.standardError.write(Data("\nCancel generation \(id)? [y/N] ".utf8))
        let answer = await Task.detached { readLine() }.value?.trimmingCharacters(in: .whitespaces).lowercased()
        guard answer == "y" || answer == "yes" else {
            progress.resume()
            return
        }
        let cancelled: GenerationBody = try await client.call(.POST, "/v1/generations/\(id)/cancel")
        FileHandle.standardError.write(Data("generation \(id) \(cancelled.status.rawValue)\n".utf8))
        throw ExitCode(130)
    }

    /// Downloads each image into `out` as `<id>-<index>.<format>`; returns the paths.
    private func save(_ generation: GenerationBody, client: APIClient) async throws -> [String] {
        let folder = URL(fileURLWithPath: out, isDirectory: true)
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        } catch {
            throw CLIError.usage("cannot create --out folder \(out): \(error.localizedDescription)")
        }
        var paths: [String] = []
        for image in (generation.images ?? []).sorted(by: { $0.outputIndex < $1.outputIndex }) {
            let file = folder.appendingPathComponent("\(generation.id.lowercase)-\(image.outputIndex).\(image.format)")
            try await client.download(image.publicUrl, to: file)
            paths.append(file.path)
        }
        return paths
    }
}

/// `--size WIDTHxHEIGHT`, as `generate` and `batch` take it.
struct ImageSize {
    var width: Int
    var height: Int

    init(_ text: String) throws {
        let parts = text.lowercased().split(separator: "x")
        guard parts.count == 2, let width = Int(parts[0]), let height = Int(parts[1]) else {
            throw ValidationError("--size must be WIDTHxHEIGHT, e.g. 1344x768; got '\(text)'")
        }
        self.width = width
        self.height = height
    }
}
