import AsyncHTTPClient
import Database
import Foundation
import Generations
import Hummingbird
import JobQueue
import Logging
import PostgresNIO
import PublicAPI
import ServiceKit
import WireFormat

/// Builds the dispatcher: the claim/push loop, queue maintenance, the LISTEN connection and the admin API.
package func buildDispatcher(config: DispatcherConfig, logger: Logger) -> some ApplicationProtocol {
    // The dispatcher's writes (claims, completions, retries, leases) may skip the wait for the WAL flush: a PostgreSQL
    // crash that forgets one only hands the job out again, which every job handler tolerates (delivery is at least
    // once); enqueues and generation state are written durably by the other services. Its statements are planned once
    // per connection, through indexes only: re-planning the claim on every wake cost more than running it.
    let client = PostgresClient(
        configuration: config.database.clientConfiguration(maxConnections: 10, durableCommits: false, genericPlans: true),
        backgroundLogger: logger
    )
    let queue = JobQueue(client: client, logger: logger)
    let listener = NotificationListener(url: config.database, channel: "imagegen_jobs", logger: logger)
    // One connection per in-flight push at most, so a type's concurrency is never capped by the pool.
    let http = HTTPClient.makeServiceClient(
        connectionsPerHost: max(64, config.concurrency.values.max() ?? 64), readTimeout: config.pushTimeout + .seconds(5)
    )
    let pusher = JobPusher(http: http, routes: config.routes, token: config.internalToken, timeout: config.pushTimeout)
    let completer = BatchCompleter(queue: queue)
    let loop = DispatchLoop(queue: queue, completer: completer, pusher: pusher, listener: listener, config: config, logger: logger)
    let maintenance = Maintenance(queue: queue, generations: GenerationStore(client: client, logger: logger), config: config, logger: logger)

    let router = Router()
    addOperationalRoutes(to: router, checks: [client.readinessCheck], logger: logger)
    let admin = router.group("v1/admin").add(middleware: AdminTokenMiddleware(token: config.adminToken))
    admin.get("queue") { _, _ in
        struct Report: Encodable {
            var stats: [QueueStat]
            var inFlight: [String: Int]
            var routes: [String: String]
        }
        return try JSONCoding.response(Report(stats: try await queue.stats(), inFlight: loop.inFlight.counts, routes: config.routes))
    }
    admin.get("dead-jobs") { request, _ in
        let raw = request.uri.queryParameters.get("limit")
        guard let limit = raw.map({ Int($0) }) ?? 100, (1...1000).contains(limit) else {
            throw Problem.validation([.init(field: "limit", message: "must be a whole number from 1 to 1000")])
        }
        return try JSONCoding.response(try await queue.deadJobs(type: request.uri.queryParameters.get("type"), limit: limit))
    }
    admin.post("dead-jobs/:id/requeue") { _, context in
        guard let id = UUID(uuidString: try context.parameters.require("id")) else { throw Problem(.badRequest, detail: "id must be a UUID") }
        guard try await queue.requeue(id) else { throw Problem.notFound("Dead job \(id.lowercase)") }
        logger.notice("Admin requeued a dead job", metadata: ["job.id": "\(id.lowercase)"])
        return try JSONCoding.response(["requeued": 1])
    }
    admin.post("dead-jobs/requeue") { request, _ in
        guard let type = request.uri.queryParameters.get("type"), !type.isEmpty, type.count <= 100 else {
            throw Problem.validation([.init(field: "type", message: "is required: a job type of at most 100 characters")])
        }
        let requeued = try await queue.requeueAll(type: type)
        logger.notice("Admin requeued dead jobs", metadata: ["job.type": "\(type)", "count": "\(requeued)"])
        return try JSONCoding.response(["requeued": requeued])
    }
    let generations = GenerationStore(client: client, logger: logger)
    addPauseRoutes(to: admin, queue: queue, generations: generations, routedTypes: Set(config.routes.keys), logger: logger)
    addModelStateRoutes(to: admin, states: ModelStateStore(client: generations.client, logger: logger), logger: logger)
    addProjectRoutes(
        to: admin, projects: ProjectStore(client: generations.client, logger: logger), keys: ApiKeyStore(client: generations.client, logger: logger),
        logger: logger)
    admin.get("usage") { request, _ in
        // Every user's generations, images and cost over the period (default: this month so far).
        let query = request.uri.queryParameters
        switch UsagePeriod.parse(from: query.get("from"), to: query.get("to")) {
        case .failure(let failure): throw Problem.validation(failure.errors)
        case .success(let period):
            // By user (default) or by project (`group_by=project`).
            guard let grouping = UsageGrouping(rawValue: query.get("group_by") ?? "user"), [.user, .project].contains(grouping) else {
                throw Problem.validation([.init(field: "group_by", message: "must be user or project")])
            }
            let rows = try await generations.usage(userID: nil, from: period.from, to: period.to, groupBy: grouping)
            return try JSONCoding.response(UsageReport(from: period.from, to: period.to, groupBy: grouping.rawValue, data: rows))
        }
    }
    admin.put("budgets/:user") { request, context in
        // A user's own monthly budget (USD), or null to fall back to GATEWAY_MONTHLY_BUDGET_USD.
        guard let user = UUID(uuidString: try context.parameters.require("user")) else {
            throw Problem.validation([.init(field: "user", message: "must be a user UUID")])
        }
        struct Budget: Codable { var monthlyUsd: Double? }
        let budget = try await request.decodeJSON(Budget.self, limit: 1024)
        // The column is NUMERIC(14, 6): at most 99,999,999.999999.
        if let usd = budget.monthlyUsd, !(usd >= 0 && usd < 100_000_000) {
            throw Problem.validation([.init(field: "monthly_usd", message: "must be a number of US dollars from 0 to 99999999, or null")])
        }
        try await generations.setMonthlyBudget(budget.monthlyUsd, for: user)
        logger.notice(
            "Admin set a monthly budget", metadata: ["user": "\(user.lowercase)", "monthly_usd": "\(budget.monthlyUsd.map { "\($0)" } ?? "default")"])
        return try JSONCoding.response(budget)
    }
    var app = Application(
        router: router, server: .guarded(config.http),
        configuration: .init(address: .hostname(config.http.host, port: config.http.port), serverName: "dispatcher"),
        logger: logger
    )
    // Services stop in reverse order: the loop first (stop claiming, finish or release in-flight work), the pool last.
    app.addServices(client, HTTPClientService(client: http), listener, maintenance, completer, loop)
    return app
}
