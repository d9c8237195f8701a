import ArgumentParser
import Foundation
import PublicAPI
import WireFormat

struct Token: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Mint a development token for a user, signed with AUTH_JWT_SECRET (HS256), as the gateway checks it."
    )
    @Option(help: "The user id (UUID); a random one when omitted.") var user: String?
    @Option(help: "Lifetime in hours.") var hours: Double = 24
    @Option(help: "The signing secret, at least 32 bytes (default: AUTH_JWT_SECRET).") var secret: String?
    @Option(help: "The issuer the gateway requires (default: AUTH_JWT_ISSUER).") var issuer: String?
    @Option(help: "The audience the gateway requires (default: AUTH_JWT_AUDIENCE).") var audience: String?

    func run() async throws {
        try await reporting {
            let environment = ProcessInfo.processInfo.environment
            guard let secret = secret ?? environment["AUTH_JWT_SECRET"], !secret.isEmpty else {
                throw CLIError.usage("no secret: pass --secret or set AUTH_JWT_SECRET (the gateway's)")
            }
            let id =
                try user.map { raw in
                    guard let id = UUID(uuidString: raw) else { throw CLIError.usage("--user must be a UUID, got '\(raw)'") }
                    return id
                } ?? UUID()
            guard hours > 0, hours.isFinite else { throw CLIError.usage("--hours must be a positive number, got \(hours)") }
            do {
                print(
                    try await UserToken.sign(
                        user: id, secret: secret, lifetime: hours * 3600, issuer: issuer ?? environment["AUTH_JWT_ISSUER"],
                        audience: audience ?? environment["AUTH_JWT_AUDIENCE"]))
            } catch let error as UserToken.SecretError {
                throw CLIError.usage("--secret: \(error.description)")
            }
        }
    }
}

/// The dispatcher's admin API (bearer `ADMIN_TOKEN`).
struct Admin: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Operate the queue through the dispatcher's admin API.",
        subcommands: [Queue.self, DeadJobs.self, Requeue.self, Pause.self, Resume.self, Pauses.self, Models.self, Projects.self]
    )

    struct Options: ParsableArguments {
        @Option(help: "The dispatcher's base URL (default: IMAGEGEN_ADMIN_URL, else http://127.0.0.1:8081).") var adminURL: String?
        @Option(help: "The dispatcher's admin token (default: IMAGEGEN_ADMIN_TOKEN, else ADMIN_TOKEN).") var adminToken: String?

        func client() throws -> APIClient {
            let environment = ProcessInfo.processInfo.environment
            guard let token = adminToken ?? environment["IMAGEGEN_ADMIN_TOKEN"] ?? environment["ADMIN_TOKEN"], !token.isEmpty else {
                throw CLIError.usage("no admin token: pass --admin-token or set IMAGEGEN_ADMIN_TOKEN (the dispatcher's ADMIN_TOKEN)")
            }
            return APIClient(baseURL: adminURL ?? environment["IMAGEGEN_ADMIN_URL"] ?? "http://127.0.0.1:8081", token: token)
        }
    }

    struct Queue: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Jobs by type and state, and what each service has in flight.")
        @OptionGroup var options: Options
        @Flag(help: "Print the API's JSON.") var json = false

        struct Report: Decodable {
            struct Stat: Decodable {
                var jobType: String
                var status: String
                var count: Int
            }
            var stats: [Stat]
            var inFlight: [String: Int]
        }

        func run() async throws {
            try await reporting {
                let data = try await options.client().raw(.GET, "/v1/admin/queue")
                if json { return printRaw(data) }
                let report = try decode(Report.self, data, from: "/v1/admin/queue")
                for stat in report.stats.sorted(by: { ($0.jobType, $0.status) < ($1.jobType, $1.status) }) where stat.count > 0 {
                    print(
                        "\(stat.jobType.padding(toLength: 18, withPad: " ", startingAt: 0)) \(stat.status.padding(toLength: 10, withPad: " ", startingAt: 0)) \(stat.count)"
                    )
                }
                if !report.stats.contains(where: { $0.count > 0 }) { print("no jobs waiting, running or dead") }
                for (type, count) in report.inFlight.sorted(by: { $0.key < $1.key }) { print("in flight: \(type) \(count)") }
            }
        }
    }

    struct DeadJobs: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "dead-jobs", abstract: "Jobs that used up their attempts, newest first.")
        @OptionGroup var options: Options
        @Option(help: "Only this job type.") var type: String?
        @Option(help: "How many (at most 1000).") var limit = 100
        @Flag(help: "Print the API's JSON.") var json = false

        func run() async throws {
            try await reporting {
                let path = "/v1/admin/dead-jobs" + query(["type": type, "limit": "\(limit)"])
                let data = try await options.client().raw(.GET, path)
                if json { return printRaw(data) }
                guard case .array(let jobs) = try decode(JSONValue.self, data, from: path) else { throw CLIError.server("\(path) is not a list") }
                for job in jobs {
                    let fields = job.object ?? [:]
                    print([fields["id"]?.string, fields["job_type"]?.string, fields["last_error"]?.string].map { $0 ?? "-" }.joined(separator: "  "))
                }
                if jobs.isEmpty { print("no dead jobs") }
            }
        }
    }

    struct Requeue: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Give dead jobs new attempts: one by id, or all of a type.")
        @OptionGroup var options: Options
        @Argument(help: "A dead job's id.") var id: String?
        @Option(help: "Requeue every dead job of this type instead.") var type: String?

        func validate() throws {
            guard (id == nil) != (type == nil) else { throw ValidationError("give a job id or --type, not both or neither") }
        }

        func run() async throws {
            try await reporting {
                struct Requeued: Decodable { var requeued: Int }
                let path = id.map { "/v1/admin/dead-jobs/\($0)/requeue" } ?? "/v1/admin/dead-jobs/requeue" + query(["type": type])
                let result: Requeued = try await options.client().call(.POST, path)
                print("requeued \(result.requeued)")
            }
        }
    }

    /// What a pause or resume names: a job type, or a model with `--model`.
    struct PauseTarget: ParsableArguments {
        @Argument(help: "A job type (generate-image, download-image, deliver-webhook, delete-files).") var jobType: String?
        @Option(help: "A catalog model instead, e.g. black-forest-labs/flux-schnell.") var model: String?

        func validate() throws {
            guard (jobType == nil) != (model == nil) else { throw ValidationError("give a job type or --model, not both or neither") }
        }

        var body: [String: JSONValue] { jobType.map { ["job_type": .string($0)] } ?? ["model": .string(model ?? "")] }
        var name: String { jobType ?? model ?? "" }
    }

    struct Pause: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Stop dispatching a job type, or starting a model's generations: paused work waits and spends nothing."
        )
        @OptionGroup var options: Options
        @OptionGroup var target: PauseTarget
        @Option(help: "Why, for the other operators (GET /v1/admin/pauses).") var reason: String?

        func run() async throws {
            try await reporting {
                var body = target.body
                if let reason { body["reason"] = .string(reason) }
                let pause: DispatchPause = try await options.client().call(.POST, "/v1/admin/pause", body: JSONValue.object(body))
                print("paused \(pause.kind.rawValue) \(pause.name) since \(Timestamp.format(pause.pausedAt))")
            }
        }
    }

    struct Resume: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Dispatch a paused job type, or start a paused model's generations, again.")
        @OptionGroup var options: Options
        @OptionGroup var target: PauseTarget

        func run() async throws {
            try await reporting {
                let _: JSONValue = try await options.client().call(.POST, "/v1/admin/resume", body: JSONValue.object(target.body))
                print("resumed \(target.name)")
            }
        }
    }

    struct Pauses: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "The pauses in force.")
        @OptionGroup var options: Options
        @Flag(help: "Print the API's JSON.") var json = false

        func run() async throws {
            try await reporting {
                let data = try await options.client().raw(.GET, "/v1/admin/pauses")
                if json { return printRaw(data) }
                let list = try decode(DispatchPauseList.self, data, from: "/v1/admin/pauses")
                for pause in list.data {
                    print("\(pause.kind.rawValue)  \(pause.name)  since \(Timestamp.format(pause.pausedAt))\(pause.reason.map { "  (\($0))" } ?? "")")
                }
                if list.data.isEmpty { print("nothing paused") }
            }
        }
    }
}
