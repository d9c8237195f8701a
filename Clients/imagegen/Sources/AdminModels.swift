import ArgumentParser
import Foundation
import PublicAPI
import WireFormat

extension Admin {
    /// `imagegen admin models`: take a model out of service (every gateway refuses it within seconds) and back.
    struct Models: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "Disable a model on every gateway (with a reason users see) and enable it again, reprice it, pin a community model's version, reweight an alias, or list what is overridden.",
            subcommands: [List.self, Disable.self, Enable.self, Price.self, Version.self, Weights.self], defaultSubcommand: List.self)

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
                    for (model, usd) in report.prices.sorted(by: { $0.key < $1.key }) { print("price     \(model)  $\(usd) a unit") }
                    for (model, version) in report.versions.sorted(by: { $0.key < $1.key }) { print("version   \(model)  \(version)") }
                    for (alias, weights) in report.aliasWeights.sorted(by: { $0.key < $1.key }) {
                        print("weights   \(alias)  \(weights.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " "))")
                    }
                    for change in report.changes.prefix(10) {
                        let value = change.value.map { " \($0)" } ?? ""
                        print("  \(Timestamp.format(change.changedAt))  \(change.change)\(value)  \(change.modelId)  by \(change.changedBy)")
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

        struct Price: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Bill a model at a new unit price (in its catalog unit: per image, second or megapixel) from now on.")
            @OptionGroup var options: Options
            @OptionGroup var actor: Actor
            @Argument(help: "The catalog model id.") var model: String
            @Argument(help: "US dollars a unit; omit with --reset.") var usd: Double?
            @Flag(help: "Go back to the catalog's price.") var reset = false
            @Option(help: "Why, for the record.") var reason: String?

            func run() async throws {
                try await reporting {
                    guard reset != (usd != nil) else { throw ValidationError("give a price in US dollars, or --reset") }
                    var body: [String: JSONValue] = ["model": .string(model), "usd": usd.map { .double($0) } ?? .null, "by": .string(actor.name)]
                    if let reason { body["reason"] = .string(reason) }
                    let change: ModelStateChange = try await options.client().call(.POST, "/v1/admin/models/price", body: JSONValue.object(body))
                    print("price of \(change.modelId): \(change.value.map { "$\($0) a unit" } ?? "the catalog's")")
                }
            }
        }

        struct Version: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Run a community model's new generations on another version.")
            @OptionGroup var options: Options
            @OptionGroup var actor: Actor
            @Argument(help: "The catalog model id (a community model).") var model: String
            @Argument(help: "The version id (64 hex characters); omit with --reset.") var version: String?
            @Flag(help: "Go back to the catalog's version.") var reset = false
            @Option(help: "Why, for the record.") var reason: String?

            func run() async throws {
                try await reporting {
                    guard reset != (version != nil) else { throw ValidationError("give a version id, or --reset") }
                    var body: [String: JSONValue] = [
                        "model": .string(model), "version": version.map { .string($0) } ?? .null, "by": .string(actor.name),
                    ]
                    if let reason { body["reason"] = .string(reason) }
                    let change: ModelStateChange = try await options.client().call(.POST, "/v1/admin/models/version", body: JSONValue.object(body))
                    print("version of \(change.modelId): \(change.value ?? "the catalog's")")
                }
            }
        }

        struct Weights: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Set an alias's weights (MODEL=WEIGHT for each variant to change).")
            @OptionGroup var options: Options
            @OptionGroup var actor: Actor
            @Argument(help: "The alias, e.g. fast.") var alias: String
            @Argument(help: "MODEL=WEIGHT pairs; omit with --reset.") var weights: [String] = []
            @Flag(help: "Go back to the catalog's weights.") var reset = false
            @Option(help: "Why, for the record.") var reason: String?

            func run() async throws {
                try await reporting {
                    guard reset == weights.isEmpty else { throw ValidationError("give MODEL=WEIGHT pairs, or --reset") }
                    var pairs: [String: JSONValue] = [:]
                    for pair in weights {
                        let parts = pair.split(separator: "=", maxSplits: 1).map(String.init)
                        guard parts.count == 2, let weight = Int(parts[1]) else { throw ValidationError("\(pair) is not MODEL=WEIGHT") }
                        pairs[parts[0]] = .int(weight)
                    }
                    var body: [String: JSONValue] = ["alias": .string(alias), "weights": reset ? .null : .object(pairs), "by": .string(actor.name)]
                    if let reason { body["reason"] = .string(reason) }
                    let change: ModelStateChange = try await options.client().call(.POST, "/v1/admin/aliases/weights", body: JSONValue.object(body))
                    print("weights of \(change.modelId): \(change.value ?? "the catalog's")")
                }
            }
        }
    }
}
