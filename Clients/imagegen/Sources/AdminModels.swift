import ArgumentParser
import Foundation
import PublicAPI
import WireFormat

extension Admin {
    /// `imagegen admin models`: take a model out of service (every gateway refuses it within seconds) and back.
    struct Models: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Disable a model on every gateway (with a reason users see), enable it again, or list what is disabled.",
            subcommands: [List.self, Disable.self, Enable.self], defaultSubcommand: List.self)

        /// Who is making the change, for the record (`--by`, else the login name).
        struct Actor: ParsableArguments {
            @Option(help: "Who is making the change, for the record (default: your login name).") var by: String?
            var name: String { by ?? ProcessInfo.processInfo.environment["USER"] ?? "admin" }
        }

        struct List: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Disabled models, and the latest changes.")
            @OptionGroup var options: Options

            func run() async throws {
                try await reporting {
                    let report: ModelStateReport = try await options.client().call(.GET, "/v1/admin/models")
                    for model in report.disabled {
                        print("disabled  \(model.modelId)  since \(Timestamp.format(model.changedAt)) by \(model.changedBy): \(model.reason ?? "")")
                    }
                    if report.disabled.isEmpty { print("every model is enabled") }
                    for change in report.changes.prefix(10) {
                        print("  \(Timestamp.format(change.changedAt))  \(change.change)  \(change.modelId)  by \(change.changedBy)")
                    }
                }
            }
        }

        struct Disable: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Refuse new requests for a model on every gateway.")
            @OptionGroup var options: Options
            @OptionGroup var actor: Actor
            @Argument(help: "The catalog model id, e.g. stability-ai/sdxl.") var model: String
            @Option(help: "Why, shown to users whose requests are refused.") var reason: String

            func run() async throws {
                try await reporting {
                    let body: JSONValue = .object(["model": .string(model), "reason": .string(reason), "by": .string(actor.name)])
                    let change: ModelStateChange = try await options.client().call(.POST, "/v1/admin/models/disable", body: body)
                    print("disabled \(change.modelId): \(change.reason ?? "")")
                }
            }
        }

        struct Enable: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Take requests for a disabled model again.")
            @OptionGroup var options: Options
            @OptionGroup var actor: Actor
            @Argument(help: "The catalog model id.") var model: String

            func run() async throws {
                try await reporting {
                    let body: JSONValue = .object(["model": .string(model), "by": .string(actor.name)])
                    let change: ModelStateChange = try await options.client().call(.POST, "/v1/admin/models/enable", body: body)
                    print("enabled \(change.modelId)")
                }
            }
        }
    }
}
