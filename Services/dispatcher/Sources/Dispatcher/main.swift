import DispatcherService
import Hummingbird
import Logging
import ServiceKit

enum Dispatcher: ServiceExecutable {
    static let name = "dispatcher"
    static let abstract = "Claims jobs from the PostgreSQL queue and pushes each to the service that owns its type."
    static func load(_ environment: [String: String]) throws -> DispatcherConfig { try DispatcherConfig(environment: environment) }
    static func settings(_ config: DispatcherConfig) -> HTTPSettings { config.http }
    static func build(_ config: DispatcherConfig, logger: Logger) async throws -> some ApplicationProtocol {
        buildDispatcher(config: config, logger: logger)
    }
}

await ServiceCommand<Dispatcher>.run()
