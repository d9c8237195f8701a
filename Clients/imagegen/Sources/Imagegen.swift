import ArgumentParser
import AsyncHTTPClient
import Foundation
import PublicAPI
import WireFormat

@main
struct Imagegen: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "imagegen",
        abstract: "Generate images with imagegen, watch them and run the service.",
        discussion: """
            Talks to the gateway at IMAGEGEN_URL (or --url) with the token in IMAGEGEN_TOKEN (or --token).
            Exit codes: 0 ok, 1 the generation failed or was cancelled, 64 usage, 65 invalid request, 66 not found,
            67 budget or rate limit, 69 server unreachable or failing, 77 not authorised, 130 interrupted.
            """,
        subcommands: [
            Generate.self, Batch.self, List.self, Show.self, Cancel.self, Delete.self, Models.self, Usage.self, Token.self, Keys.self, Account.self,
            Admin.self,
        ]
    )
}

/// Where the API is and who is calling: flags first, then the environment.
struct Connection: ParsableArguments {
    @Option(help: "The gateway's base URL (default: IMAGEGEN_URL, else http://127.0.0.1:8080).")
    var url: String?
    @Option(help: "A bearer token (default: IMAGEGEN_TOKEN).")
    var token: String?

    func client() throws -> APIClient {
        let environment = ProcessInfo.processInfo.environment
        guard let token = token ?? environment["IMAGEGEN_TOKEN"], !token.isEmpty else {
            throw CLIError.usage("no token: pass --token or set IMAGEGEN_TOKEN (for development: imagegen token --user <uuid>)")
        }
        return APIClient(baseURL: url ?? environment["IMAGEGEN_URL"] ?? "http://127.0.0.1:8080", token: token)
    }
}

/// Prints an API body as it came.
func printRaw(_ data: Data) {
    print(String(decoding: data, as: UTF8.self))
}

/// Decodes an API body, or says which answer could not be read.
func decode<T: Decodable>(_ type: T.Type, _ data: Data, from path: String) throws -> T {
    do {
        return try JSONCoding.decoder().decode(T.self, from: data)
    } catch {
        throw CLIError.server("\(path) answered a body this CLI cannot read: \(error)")
    }
}

/// `?a=1&b=2` from the parameters that are set, percent-encoded, in name order.
func query(_ parameters: [String: String?]) -> String {
    var allowed = CharacterSet.urlQueryAllowed
    allowed.remove(charactersIn: "+&=")
    let pairs = parameters.sorted { $0.key < $1.key }.compactMap { name, value in
        value.map { "\(name)=\($0.addingPercentEncoding(withAllowedCharacters: allowed) ?? $0)" }
    }
    return pairs.isEmpty ? "" : "?" + pairs.joined(separator: "&")
}

struct List: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "List your generations, newest first.")
    @OptionGroup var connection: Connection
    @Option(help: "Only generations in this status (pending, queued, processing, downloading, completed, failed, cancelled).")
    var status: String?
    @Option(help: "How many (1-100).") var limit = 20
    @Option(help: "Continue after this cursor (printed as `next:` by the previous page).") var cursor: String?
    @Flag(help: "Print the API's JSON.") var json = false

    func run() async throws {
        try await reporting {
            let path = "/v1/generations" + query(["limit": "\(limit)", "status": status, "cursor": cursor])
            let data = try await connection.client().raw(.GET, path)
            if json { return printRaw(data) }
            let page = try decode(GenerationPage.self, data, from: path)
            for generation in page.data { print(generation.line) }
            if let next = page.nextCursor { print("next: \(next)") }
        }
    }
}

struct Show: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Show one generation and its images.")
    @OptionGroup var connection: Connection
    @Argument(help: "The generation id.") var id: String
    @Flag(help: "Print the API's JSON.") var json = false

    func run() async throws {
        try await reporting {
            let path = "/v1/generations/\(id)"
            let data = try await connection.client().raw(.GET, path)
            if json { return printRaw(data) }
            print(try decode(GenerationBody.self, data, from: path).details)
        }
    }
}

struct Cancel: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Cancel a generation that has not finished (and its prediction).")
    @OptionGroup var connection: Connection
    @Argument(help: "The generation id.") var id: String

    func run() async throws {
        try await reporting {
            let generation: GenerationBody = try await connection.client().call(.POST, "/v1/generations/\(id)/cancel")
            print("\(generation.id.lowercase) \(generation.status.rawValue)")
        }
    }
}

struct Delete: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Delete a generation and its images (cancelling it first if it runs).")
    @OptionGroup var connection: Connection
    @Argument(help: "The generation id.") var id: String

    func run() async throws {
        try await reporting {
            try await connection.client().raw(.DELETE, "/v1/generations/\(id)")
            print("\(id) deleted")
        }
    }
}

struct Models: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "List the models, their sizes, parameters and prices.")
    @OptionGroup var connection: Connection
    @Flag(help: "Print the API's JSON.") var json = false

    func run() async throws {
        try await reporting {
            let environment = ProcessInfo.processInfo.environment
            // The catalog is public: no token needed.
            let client = APIClient(baseURL: connection.url ?? environment["IMAGEGEN_URL"] ?? "http://127.0.0.1:8080", token: nil)
            let data = try await client.raw(.GET, "/v1/models")
            if json { return printRaw(data) }
            let models = try decode(JSONValue.self, data, from: "/v1/models")
            guard case .array(let list)? = models.object?["models"] else { throw CLIError.server("/v1/models has no models") }
            for model in list {
                let fields = model.object ?? [:]
                let id = fields["id"]?.string ?? "?"
                let price = fields["price_per_image"]?.number.map { String(format: "$%.4f/image", $0) } ?? "price unknown"
                var parameters: [String] = []
                if case .array(let list)? = fields["parameters"] { parameters = list.compactMap { $0.object?["name"]?.string } }
                print(
                    id.padding(toLength: 44, withPad: " ", startingAt: 0), price.padding(toLength: 16, withPad: " ", startingAt: 0),
                    parameters.joined(separator: ", "))
            }
            if case .array(let aliases)? = models.object?["aliases"] {
                for alias in aliases { print("alias \(alias.object?["name"]?.string ?? "?")") }
            }
        }
    }
}

struct Usage: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Your generations, images and cost over a period (default: this month).")
    @OptionGroup var connection: Connection
    @Option(help: "day, model or variant.") var groupBy = "day"
    @Option(help: "Start (ISO-8601 date or time).") var from: String?
    @Option(help: "End, exclusive.") var to: String?
    @Flag(help: "Print the API's JSON.") var json = false

    func run() async throws {
        try await reporting {
            let path = "/v1/usage" + query(["group_by": groupBy, "from": from, "to": to])
            let data = try await connection.client().raw(.GET, path)
            if json { return printRaw(data) }
            let report = try decode(UsageReport.self, data, from: path)
            for row in report.data + [report.total] { print(row.line) }
        }
    }
}
