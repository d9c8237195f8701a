import Foundation
import ReplicateSimulatorService
import ServiceKit

try await ServiceMain.run(
    "replicate-simulator", about: "A Replicate-compatible HTTP server for local runs, tests and load tests.",
    environment: "HTTP_HOST, HTTP_PORT (8090), LOG_LEVEL, SIMULATOR_PUBLIC_URL, SIMULATOR_TIME_SCALE, SIMULATOR_API_TOKEN, SIMULATOR_WEBHOOK_SECRET, SIMULATOR_QUEUE_SECONDS, SIMULATOR_FAILURE_RATE, SIMULATOR_NSFW_RATE, SIMULATOR_CREATE_5XX_RATE, SIMULATOR_CREATE_429_RATE, SIMULATOR_GET_5XX_RATE, SIMULATOR_GET_429_RATE, SIMULATOR_OUTPUT_MODE (url|data), SIMULATOR_OUTPUT_FAULT, SIMULATOR_RETENTION_SECONDS.",
    load: { try SimulatorConfig(environment: ProcessInfo.processInfo.environment) }, settings: \.http, build: { buildSimulator(config: $0, logger: $1) }
)
