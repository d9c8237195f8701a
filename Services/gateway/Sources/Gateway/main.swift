import ArgumentParser
import Database
import Foundation
import GatewayService
import Hummingbird
import Logging
import PublicAPI
import ServiceKit

enum Gateway: ServiceExecutable {
    static let name = "gateway"
    static let abstract = "The public imagegen API."
    static let extraCommands: [any ParsableCommand.Type] = [Migrate.self, Token.self]
    static func load(_ environment: [String: String]) throws -> GatewayConfig { try GatewayConfig(environment: environment) }
    static func settings(_ config: GatewayConfig) -> HTTPSettings { config.http }
    static func build(_ config: GatewayConfig, logger: Logger) async throws -> some ApplicationProtocol {
        try await buildGateway(config: config, logger: logger)
    }
}

struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Apply database migrations to DATABASE_URL and exit.")
    func run() async throws {
        let url = Bootstrap.load("gateway migrate") { try GatewayConfig.databaseOnly(environment: ProcessInfo.processInfo.environment) }
        let logger = Logger(label: "migrate")
        let applied = try await migrateDatabase(url, logger: logger)
        print(applied.isEmpty ? "Database is up to date." : "Applied migrations: \(applied.map(String.init).joined(separator: ", "))")
    }
}

struct Token: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Print a development token for a user, signed with AUTH_JWT_SECRET.")
    @Option(help: "The user id (UUID); a random one when omitted.") var user: String?
    @Option(help: "Lifetime in hours.") var hours: Double = 24
    @Option(help: "The highest priority the token may ask for (claim max_priority); GATEWAY_MAX_PRIORITY when omitted.")
    var maxPriority: Int?
    func run() async throws {
        let (secret, policy) = Bootstrap.load("gateway token") { try GatewayConfig.tokenSigning(environment: ProcessInfo.processInfo.environment) }
        let id =
            try user.map { raw in
                guard let id = UUID(uuidString: raw) else { throw ValidationError("--user must be a UUID") }
                return id
            } ?? UUID()
        print(
            try await UserToken.sign(
                user: id, secret: secret, lifetime: hours * 3600, issuer: policy.issuer, audience: policy.audience, maxPriority: maxPriority))
    }
}

await ServiceCommand<Gateway>.run()
