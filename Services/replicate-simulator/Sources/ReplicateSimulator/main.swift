import Hummingbird
import Logging
import ReplicateSimulatorService
import ServiceKit

enum ReplicateSimulator: ServiceExecutable {
    static let name = "replicate-simulator"
    static let abstract = "A Replicate-compatible HTTP server for local runs, tests and load tests."
    static func load(_ environment: [String: String]) throws -> SimulatorConfig { try SimulatorConfig(environment: environment) }
    static func settings(_ config: SimulatorConfig) -> HTTPSettings { config.http }
    static func build(_ config: SimulatorConfig, logger: Logger) async throws -> some ApplicationProtocol {
        buildSimulator(config: config, logger: logger)
    }
}

await ServiceCommand<ReplicateSimulator>.run()
