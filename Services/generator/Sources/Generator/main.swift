import Foundation
import GeneratorService
import ServiceKit

try await ServiceMain.run(
    "generator", about: "Runs generate-image jobs pushed by the dispatcher against Replicate.",
    environment: "DATABASE_URL, INTERNAL_TOKEN, REPLICATE_API_TOKEN (required); REPLICATE_BASE_URL, GENERATOR_PREFER_WAIT, GENERATOR_POLL_MAX_SECONDS, HTTP_HOST, HTTP_PORT (8082), LOG_LEVEL.",
    load: { try GeneratorConfig(environment: ProcessInfo.processInfo.environment) }, settings: \.http, build: { buildGenerator(config: $0, logger: $1) }
)
