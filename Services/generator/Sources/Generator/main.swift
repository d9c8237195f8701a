import Foundation
import GeneratorService
import Hummingbird
import Logging
import ServiceKit

if CommandLine.arguments.contains("--help") || CommandLine.arguments.contains("-h") {
    print("""
        USAGE: generator [healthcheck]

        Runs generate-image jobs pushed by the dispatcher against Replicate.
        Environment: DATABASE_URL, INTERNAL_TOKEN, REPLICATE_API_TOKEN (required); REPLICATE_BASE_URL, GENERATOR_PREFER_WAIT,
        GENERATOR_POLL_MAX_SECONDS, HTTP_HOST, HTTP_PORT (8082), LOG_LEVEL.
        """)
    exit(0)
}
let config = Bootstrap.load("generator") { try GeneratorConfig(environment: ProcessInfo.processInfo.environment) }
if CommandLine.arguments.dropFirst().first == "healthcheck" { exit(Healthcheck.run(port: config.http.port)) }
Bootstrap.process(logLevel: config.http.logLevel)
try await buildGenerator(config: config, logger: Logger(label: "generator")).runService()
