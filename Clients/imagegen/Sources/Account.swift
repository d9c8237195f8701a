import ArgumentParser
import Foundation
import PublicAPI
import WireFormat

/// `imagegen account webhook`: where the account's `budget.threshold` events are posted.
struct Account: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Your account's settings.", subcommands: [Webhook.self])

    struct Webhook: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Where budget.threshold events (50, 80, 100 % of your monthly budget) are posted.",
            subcommands: [Show.self, Set.self, Remove.self], defaultSubcommand: Show.self)

        struct Show: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "The webhook and its latest deliveries.")
            @OptionGroup var connection: Connection

            func run() async throws {
                try await reporting {
                    let webhook: AccountWebhookBody = try await connection.client().call(.GET, "/v1/account/webhook")
                    Webhook.print(webhook)
                }
            }
        }

        struct Set: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Post budget.threshold events to URL (https, public host).")
            @OptionGroup var connection: Connection
            @Argument(help: "The receiver's URL.") var url: String

            func run() async throws {
                try await reporting {
                    let webhook: AccountWebhookBody = try await connection.client().call(
                        .PUT, "/v1/account/webhook", body: JSONValue.object(["url": .string(url)]))
                    Webhook.print(webhook)
                }
            }
        }

        struct Remove: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Stop posting account events.")
            @OptionGroup var connection: Connection

            func run() async throws {
                try await reporting {
                    try await connection.client().raw(.DELETE, "/v1/account/webhook")
                    Swift.print("account webhook removed")
                }
            }
        }

        static func print(_ webhook: AccountWebhookBody) {
            Swift.print("\(webhook.url)  (\(webhook.events.joined(separator: ", ")); set \(Timestamp.format(webhook.updatedAt)))")
            for delivery in webhook.deliveries {
                let outcome = delivery.statusCode.map { "HTTP \($0)" } ?? delivery.error ?? "no answer"
                Swift.print("  \(Timestamp.format(delivery.attemptedAt))  \(delivery.event)  attempt \(delivery.attempt)  \(outcome)")
            }
        }
    }
}
