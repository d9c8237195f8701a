import Foundation
import Hummingbird
import JobContract
import Logging
import ServiceLifecycle

/// The whole `main` of a service executable: `--help`, `healthcheck`, or load the config and serve until SIGTERM/SIGINT.
package enum ServiceMain {
    package static func run<Config, App: ApplicationProtocol>(
        _ name: String, about: String, environment: String, load: () throws -> Config, settings: (Config) -> HTTPSettings,
        build: (Config, Logger) async throws -> App
    ) async throws {
        let arguments = CommandLine.arguments.dropFirst()
        if arguments.contains("--help") || arguments.contains("-h") {
            print("USAGE: \(name) [healthcheck]\n\n\(about)\nEnvironment: \(environment)")
            return
        }
        let config = Bootstrap.load(name, load)
        if arguments.first == "healthcheck" { exit(Healthcheck.run(port: settings(config).port)) }
        Bootstrap.process(logLevel: settings(config).logLevel)
        try await build(config, Logger(label: name)).runService()
    }
}

/// A service that runs one job type pushed by the dispatcher: operational routes, `POST /v1/jobs/<jobType>`, and its
/// long-lived dependencies as services (registered in start order; they stop in reverse).
package func jobServiceApplication<Kind: JobKind>(
    name: String, settings: HTTPSettings, kind: Kind.Type, token: String, checks: [ReadinessCheck], services: [any Service],
    logger: Logger, handler: @escaping @Sendable (JobEnvelope<Kind.Payload>.Job, Logger) async -> JobOutcome
) -> some ApplicationProtocol {
    let router = Router()
    addOperationalRoutes(to: router, checks: checks)
    addJobRoute(to: router, kind: kind, token: token, logger: logger, handler: handler)
    var app = Application(
        router: router, configuration: .init(address: .hostname(settings.host, port: settings.port), serverName: name), logger: logger
    )
    app.addServices(services)
    return app
}
