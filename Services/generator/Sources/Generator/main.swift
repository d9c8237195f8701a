import GeneratorService
import Hummingbird
import Logging
import ServiceKit

enum Generator: ServiceExecutable {
    static let name = "generator"
    static let abstract = "Runs generate-image jobs pushed by the dispatcher against Replicate."
    static func load(_ environment: [String: String]) throws -> GeneratorConfig { try GeneratorConfig(environment: environment) }
    static func settings(_ config: GeneratorConfig) -> HTTPSettings { config.http }
    static func build(_ config: GeneratorConfig, logger: Logger) async throws -> some ApplicationProtocol {
        buildGenerator(config: config, logger: logger)
    }
}

await ServiceCommand<Generator>.run()
