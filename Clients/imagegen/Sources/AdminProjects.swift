import ArgumentParser
import Foundation
import PublicAPI
import WireFormat

extension Admin {
    /// `imagegen admin projects`: users grouped under one monthly budget and one cap on running generations.
    struct Projects: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "Make projects (one budget, running cap and rate for their members and keys together), list them, add and remove members, make their keys.",
            subcommands: [List.self, Create.self, Limits.self, Add.self, Remove.self, Delete.self, ProjectKeys.self], defaultSubcommand: List.self)

        static func print(_ project: ProjectBody) {
            let budget = project.monthlyBudgetUsd.map { String(format: "$%.2f", $0) } ?? "no budget"
            let cap = project.maxRunning.map { "at most \($0) running" } ?? "no running cap"
            let rate = project.ratePerMinute.map { ", \($0) creates a minute" } ?? ""
            Swift.print(
                "\(project.id.lowercase)  \(project.name)  \(budget), \(cap)\(rate)  this month \(String(format: "$%.4f", project.spentUsd)) spent, \(project.running) running, \(project.members.count) member\(project.members.count == 1 ? "" : "s")"
            )
        }

        /// `--monthly-usd`, `--max-running` and `--rate-per-minute`, each with `--no-…` to remove it.
        struct LimitOptions: ParsableArguments {
            @Option(help: "One monthly budget for all members together (USD).") var monthlyUsd: Double?
            @Option(help: "At most this many of the members' generations run at once.") var maxRunning: Int?
            @Option(help: "At most this many creates a minute by all members and keys together.") var ratePerMinute: Int?
            @Flag(help: "Remove the budget.") var noBudget = false
            @Flag(help: "Remove the running cap.") var noCap = false
            @Flag(help: "Remove the rate.") var noRate = false

            var fields: [String: JSONValue] {
                var body: [String: JSONValue] = [:]
                if let monthlyUsd { body["monthly_usd"] = .double(monthlyUsd) }
                if noBudget { body["monthly_usd"] = .null }
                if let maxRunning { body["max_running"] = .int(maxRunning) }
                if noCap { body["max_running"] = .null }
                if let ratePerMinute { body["rate_per_minute"] = .int(ratePerMinute) }
                if noRate { body["rate_per_minute"] = .null }
                return body
            }
        }

        struct List: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Every project with its limits and this month's figures.")
            @OptionGroup var options: Options

            func run() async throws {
                try await reporting {
                    let list: ProjectList = try await options.client().call(.GET, "/v1/admin/projects")
                    list.data.forEach(Projects.print)
                    if list.data.isEmpty { Swift.print("no projects") }
                }
            }
        }

        struct Create: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Make a project.")
            @OptionGroup var options: Options
            @Argument(help: "Its name (unique).") var name: String
            @OptionGroup var limits: LimitOptions

            func run() async throws {
                try await reporting {
                    var body = limits.fields
                    body["name"] = .string(name)
                    let project: ProjectBody = try await options.client().call(.POST, "/v1/admin/projects", body: JSONValue.object(body))
                    Projects.print(project)
                }
            }
        }

        struct Limits: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Change a project's budget, running cap or rate.")
            @OptionGroup var options: Options
            @Argument(help: "The project's id.") var id: String
            @OptionGroup var limits: LimitOptions

            func run() async throws {
                try await reporting {
                    let project: ProjectBody = try await options.client().call(
                        .PATCH, "/v1/admin/projects/\(id)", body: JSONValue.object(limits.fields))
                    Projects.print(project)
                }
            }
        }

        struct Add: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Add a user: their generations from now on count in the project.")
            @OptionGroup var options: Options
            @Argument(help: "The project's id.") var id: String
            @Argument(help: "The user's id.") var user: String

            func run() async throws {
                try await reporting {
                    let project: ProjectBody = try await options.client().call(.PUT, "/v1/admin/projects/\(id)/members/\(user)")
                    Projects.print(project)
                }
            }
        }

        struct Remove: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Remove a user from a project.")
            @OptionGroup var options: Options
            @Argument(help: "The project's id.") var id: String
            @Argument(help: "The user's id.") var user: String

            func run() async throws {
                try await reporting {
                    try await options.client().raw(.DELETE, "/v1/admin/projects/\(id)/members/\(user)")
                    Swift.print("\(user) removed from \(id)")
                }
            }
        }

        struct Delete: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Delete a project (its members are on their own again, its keys revoked).")
            @OptionGroup var options: Options
            @Argument(help: "The project's id.") var id: String

            func run() async throws {
                try await reporting {
                    try await options.client().raw(.DELETE, "/v1/admin/projects/\(id)")
                    Swift.print("\(id) deleted")
                }
            }
        }

        /// `imagegen admin projects keys`: the project's own keys (they act as the project, under its limits alone).
        struct ProjectKeys: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                commandName: "keys", abstract: "Make, list and revoke a project's own keys (for its backends).",
                subcommands: [List.self, Create.self, Revoke.self], defaultSubcommand: List.self)

            struct List: AsyncParsableCommand {
                static let configuration = CommandConfiguration(abstract: "The project's keys, newest first.")
                @OptionGroup var options: Options
                @Argument(help: "The project's id.") var id: String

                func run() async throws {
                    try await reporting { Keys.printList(try await options.client().call(.GET, "/v1/admin/projects/\(id)/keys")) }
                }
            }

            struct Create: AsyncParsableCommand {
                static let configuration = CommandConfiguration(abstract: "Make a project key; it is printed once and never shown again.")
                @OptionGroup var options: Options
                @Argument(help: "The project's id.") var id: String
                @OptionGroup var key: Keys.KeyOptions

                func run() async throws {
                    try await reporting {
                        Keys.printCreated(try await options.client().call(.POST, "/v1/admin/projects/\(id)/keys", body: JSONValue.object(key.fields)))
                    }
                }
            }

            struct Revoke: AsyncParsableCommand {
                static let configuration = CommandConfiguration(abstract: "Revoke a project key, at once on every gateway.")
                @OptionGroup var options: Options
                @Argument(help: "The project's id.") var id: String
                @Argument(help: "The key's id.") var key: String

                func run() async throws {
                    try await reporting {
                        try await options.client().raw(.DELETE, "/v1/admin/projects/\(id)/keys/\(key)")
                        Swift.print("\(key) revoked")
                    }
                }
            }
        }
    }
}
