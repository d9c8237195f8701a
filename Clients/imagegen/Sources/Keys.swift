import ArgumentParser
import Foundation
import PublicAPI
import WireFormat

/// `imagegen keys`: API keys for backends (made with a user token or a key with `admin`).
struct Keys: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Make, list and revoke API keys (igk_…) for backends.", subcommands: [Create.self, List.self, Revoke.self])

    /// What a new key is: its name, scopes, expiry, rate and budget.
    struct KeyOptions: ParsableArguments {
        @Option(help: "What the key is for.") var name: String
        @Option(name: .customLong("scope"), help: "generate, read, delete or admin (repeat; default generate and read).")
        var scopes: [String] = []
        @Option(help: "When it stops working (RFC 3339).") var expiresAt: String?
        @Option(help: "Its own limit: writes a minute, beside its user's.") var ratePerMinute: Int?
        @Option(help: "Its own monthly budget (USD) over what is made with it.") var monthlyUsd: Double?

        var fields: [String: JSONValue] {
            var body: [String: JSONValue] = ["name": .string(name)]
            if !scopes.isEmpty { body["scopes"] = .array(scopes.map { .string($0) }) }
            if let expiresAt { body["expires_at"] = .string(expiresAt) }
            if let ratePerMinute { body["rate_per_minute"] = .int(ratePerMinute) }
            if let monthlyUsd { body["monthly_usd"] = .double(monthlyUsd) }
            return body
        }
    }

    /// Prints a new key (its id and scopes to stderr, the key itself alone on stdout, for a script to keep).
    static func printCreated(_ key: ApiKeyBody) {
        FileHandle.standardError.write(
            Data("key \(key.id.lowercase) (\(key.scopes.map(\.rawValue).joined(separator: ", "))): keep it now, it is not shown again\n".utf8)
        )
        print(key.key ?? "")
    }

    /// One line per key, newest first (never the keys themselves).
    static func printList(_ list: ApiKeyList) {
        for key in list.data {
            let state = key.revokedAt != nil ? "revoked" : key.expiresAt.map { $0 < Date() ? "expired" : "live" } ?? "live"
            let used = key.lastUsedAt.map { "used \(Timestamp.format($0))" } ?? "never used"
            let budget = key.monthlyBudgetUsd.map { String(format: "  $%.4f of $%.2f this month", key.spentUsd ?? 0, $0) } ?? ""
            print("\(key.id.lowercase)  \(key.hint)  \(state)  \(key.scopes.map(\.rawValue).joined(separator: ","))  \(used)\(budget)  \(key.name)")
        }
    }

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Make a key; it is printed once and never shown again.")
        @OptionGroup var connection: Connection
        @OptionGroup var key: KeyOptions

        func run() async throws {
            try await reporting {
                Keys.printCreated(try await connection.client().call(.POST, "/v1/keys", body: JSONValue.object(key.fields)))
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Your keys, newest first (never the keys themselves).")
        @OptionGroup var connection: Connection

        func run() async throws {
            try await reporting {
                Keys.printList(try await connection.client().call(.GET, "/v1/keys"))
            }
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke a key, at once on every gateway.")
        @OptionGroup var connection: Connection
        @Argument(help: "The key's id (from `imagegen keys list`).") var id: String

        func run() async throws {
            try await reporting {
                try await connection.client().raw(.DELETE, "/v1/keys/\(id)")
                print("\(id) revoked")
            }
        }
    }
}
