import ArgumentParser
import Foundation
import Hummingbird
import JobContract
import Logging
import ServiceLifecycle

/// What an executable is: its name, what it does, how it reads its config and builds its application. Its `main` is
/// `await ServiceCommand<Self>.main()`, so every executable parses its arguments the same way and derives `--help` from
/// the configuration keys it actually reads.
package protocol ServiceExecutable {
    associatedtype Config: Sendable
    associatedtype App: ApplicationProtocol
    static var name: String { get }
    static var abstract: String { get }
    /// Commands besides `serve` (the default) and `healthcheck`.
    static var extraCommands: [any ParsableCommand.Type] { get }
    static func load(_ environment: [String: String]) throws -> Config
    static func settings(_ config: Config) -> HTTPSettings
    static func build(_ config: Config, logger: Logger) async throws -> App
}

extension ServiceExecutable {
    package static var extraCommands: [any ParsableCommand.Type] { [] }

    /// The config from the process environment, or exit 78 with every problem.
    package static func loadOrExit() -> Config {
        Bootstrap.load(name) { try load(ProcessInfo.processInfo.environment) }
    }
}

/// The command line of a service: `serve` (the default) or `healthcheck`, plus the executable's own commands.
package struct ServiceCommand<Executable: ServiceExecutable>: AsyncParsableCommand {
    package static var configuration: CommandConfiguration {
        CommandConfiguration(
            commandName: Executable.name, abstract: Executable.abstract, discussion: ConfigLoader.help(Executable.load),
            subcommands: [ServeCommand<Executable>.self, HealthcheckCommand<Executable>.self] + Executable.extraCommands,
            defaultSubcommand: ServeCommand<Executable>.self
        )
    }

    package init() {}

    /// Parses the process's arguments and runs the chosen command (what `@main` would do; a generic type cannot be `@main`).
    package static func run() async {
        do {
            var command = try parseAsRoot()
            if var command = command as? any AsyncParsableCommand {
                try await command.run()
            } else {
                try command.run()
            }
        } catch {
            exit(withError: error)
        }
    }
}

/// Loads the config and serves until SIGTERM or SIGINT.
package struct ServeCommand<Executable: ServiceExecutable>: AsyncParsableCommand {
    package static var configuration: CommandConfiguration {
        CommandConfiguration(commandName: "serve", abstract: "Serve until SIGTERM or SIGINT (the default).")
    }

    package init() {}

    package func run() async throws {
        let config = Executable.loadOrExit()
        let tracing = try Bootstrap.process(name: Executable.name, logLevel: Executable.settings(config).logLevel)
        let logger = Logger(label: Executable.name)  // after the bootstrap, so it logs the current trace's id
        // The exporter stops after the application (services stop in reverse order), so its last spans are sent.
        let app = try await Executable.build(config, logger: logger)
        var configuration = ServiceGroupConfiguration(
            services: (tracing.map { [.init(service: $0)] } ?? []) + [.init(service: app)], gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger
        )
        // A shutdown that hangs (a client holding a request open, a dependency that never answers) still ends: first its
        // tasks are cancelled, then the process stops, so an orchestrator waiting for the exit is never left waiting.
        configuration.maximumGracefulShutdownDuration = Executable.settings(config).shutdownTimeout
        configuration.maximumCancellationDuration = .seconds(5)
        let group = ServiceGroup(configuration: configuration)
        try await group.run()
    }
}

/// Exits 0 when this host's `/health/live` answers (a container's health check).
package struct HealthcheckCommand<Executable: ServiceExecutable>: ParsableCommand {
    package static var configuration: CommandConfiguration {
        CommandConfiguration(commandName: "healthcheck", abstract: "Exit 0 when this host's /health/live answers.")
    }

    package init() {}

    package func run() throws {
        throw ExitCode(Healthcheck.run(port: Executable.settings(Executable.loadOrExit()).port))
    }
}

/// A service that runs a job type pushed by the dispatcher: operational routes, `POST /v1/jobs/<jobType>` (and any more
/// routes `more` adds, such as another job type it owns), and its long-lived dependencies as services (registered in
/// start order; they stop in reverse).
package func jobServiceApplication<Kind: JobKind>(
    name: String, settings: HTTPSettings, kind: Kind.Type, token: String, checks: [ReadinessCheck], services: [any Service],
    logger: Logger, more: (Router<BasicRequestContext>) -> Void = { _ in },
    handler: @escaping @Sendable (JobEnvelope<Kind.Payload>.Job, Logger) async -> JobOutcome
) -> some ApplicationProtocol {
    let router = Router()
    addOperationalRoutes(to: router, checks: checks, logger: logger)
    addJobRoute(to: router, kind: kind, token: token, logger: logger, handler: handler)
    more(router)
    var app = Application(
        router: router, server: .guarded(settings), configuration: .init(address: .hostname(settings.host, port: settings.port), serverName: name),
        logger: logger
    )
    app.addServices(services)
    return app
}
