import Foundation
import Hummingbird
import Logging
import ReplicateSimulatorService
import ServiceKit

if CommandLine.arguments.contains("--help") || CommandLine.arguments.contains("-h") {
    print("""
        USAGE: replicate-simulator [healthcheck]

        A Replicate-compatible HTTP server for local runs, tests and load tests.
        Environment: HTTP_HOST, HTTP_PORT (8090), LOG_LEVEL, SIMULATOR_PUBLIC_URL, SIMULATOR_TIME_SCALE,
        SIMULATOR_API_TOKEN, SIMULATOR_WEBHOOK_SECRET, SIMULATOR_QUEUE_SECONDS, SIMULATOR_FAILURE_RATE, SIMULATOR_NSFW_RATE,
        SIMULATOR_CREATE_5XX_RATE, SIMULATOR_CREATE_429_RATE, SIMULATOR_GET_5XX_RATE, SIMULATOR_GET_429_RATE,
        SIMULATOR_OUTPUT_MODE (url|data), SIMULATOR_OUTPUT_FAULT, SIMULATOR_RETENTION_SECONDS.
        """)
    exit(0)
}
let config = Bootstrap.load("replicate-simulator") { try SimulatorConfig(environment: ProcessInfo.processInfo.environment) }
if CommandLine.arguments.dropFirst().first == "healthcheck" { exit(Healthcheck.run(port: config.http.port)) }
Bootstrap.process(logLevel: config.http.logLevel)
let app = buildSimulator(config: config, logger: Logger(label: "replicate-simulator"))
try await app.runService()
