import Hummingbird
import Logging
import NotifierService
import ServiceKit

enum Notifier: ServiceExecutable {
    static let name = "notifier"
    static let abstract = "Runs deliver-webhook jobs: posts signed generation events to the webhooks clients asked for."
    static func load(_ environment: [String: String]) throws -> NotifierConfig { try NotifierConfig(environment: environment) }
    static func settings(_ config: NotifierConfig) -> HTTPSettings { config.http }
    static func build(_ config: NotifierConfig, logger: Logger) async throws -> some ApplicationProtocol {
        buildNotifier(config: config, logger: logger)
    }
}

await ServiceCommand<Notifier>.run()
