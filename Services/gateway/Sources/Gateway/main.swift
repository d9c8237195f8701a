import ArgumentParser
import Database
import Foundation
import GatewayService
import Hummingbird
import Logging
import ServiceKit

@main
struct GatewayCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gateway",
        abstract: "The public imagegen API.",
        discussion: """
            Environment: DATABASE_URL, AUTH_JWT_SECRET, INTERNAL_TOKEN (required); STORAGE_DIR, PUBLIC_BASE_URL,
            GATEWAY_MAX_ACTIVE_PER_USER, GATEWAY_MIGRATE_ON_START, HTTP_HOST, HTTP_PORT (8080), LOG_LEVEL.
            """,
        subcommands: [Serve.self, Migrate.self, Token.self, HealthcheckCommand.self],
        defaultSubcommand: Serve.self
    )
}

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Serve the API (the default).")
    func run() async throws {
        let config = Bootstrap.load("gateway") { try GatewayConfig(environment: ProcessInfo.processInfo.environment) }
        Bootstrap.process(logLevel: config.http.logLevel)
        try await buildGateway(config: config, logger: Logger(label: "gateway")).runService()
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
    func run() async throws {
        guard let secret = ProcessInfo.processInfo.environment["AUTH_JWT_SECRET"], !secret.isEmpty else {
            throw ValidationError("AUTH_JWT_SECRET is required")
        }
        guard secret.utf8.count >= UserAuthenticator.minimumSecretBytes else {
            throw ValidationError("AUTH_JWT_SECRET must be at least \(UserAuthenticator.minimumSecretBytes) bytes")
        }
        let id = try user.map { raw in
            guard let id = UUID(uuidString: raw) else { throw ValidationError("--user must be a UUID") }
            return id
        } ?? UUID()
        print(try await UserAuthenticator(secret: secret).token(for: id, lifetime: hours * 3600))
    }
}

struct HealthcheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "healthcheck", abstract: "Exit 0 when this host's /health/live answers.")
    func run() throws {
        let port = Int(ProcessInfo.processInfo.environment["HTTP_PORT"] ?? "") ?? 8080
        throw ExitCode(Healthcheck.run(port: port))
    }
}
