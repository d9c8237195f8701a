import AsyncHTTPClient
import Catalog
import Database
import Foundation
import Generations
import JobQueue
import NIOCore
import NIOHTTP1
import PostgresNIO
import TestSupport
import Testing
import WireFormat

/// The dispatcher's admin API (bearer `ADMIN_TOKEN`) over HTTP, against a real dispatcher process.
@Suite("Dispatcher admin API")
struct AdminTests {
    let logger = TestDatabase.logger
    let token = TestSecrets.internalToken

    func dispatcher(_ url: DatabaseURL, routes: String, adminToken: String? = TestSecrets.adminToken) async throws -> ServiceProcess {
        var environment = [
            "DATABASE_URL": url.connectionString, "DATABASE_DIRECT_URL": url.directConnectionString,
            "INTERNAL_TOKEN": token, "DISPATCH_ROUTES": routes, "DISPATCH_POLL_MS": "100",
        ]
        environment["ADMIN_TOKEN"] = adminToken
        return try await ServiceProcess("dispatcher", environment: environment)
    }

    /// Calls the admin API; returns the status and the JSON body.
    func call(
        _ process: ServiceProcess, _ method: HTTPMethod, _ path: String, token: String? = TestSecrets.adminToken, json: String? = nil
    ) async throws -> (Int, JSONValue?) {
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(process.port)\(path)")
        request.method = method
        if let json {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(string: json))
        }
        if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
        let body = try await response.body.collect(upTo: 1 << 20)
        return (Int(response.status.code), try? JSONDecoder().decode(JSONValue.self, from: Data(buffer: body)))
    }

    @Test("Requeueing a dead generate-image job through the admin API revives its generation, which then completes")
    func requeueRevivesGeneration() async throws {
        try await TestDatabase.withClient { client, url in
            let store = GenerationStore(client: client, logger: logger)
            let request = try GenerationRequest.validate(["prompt": "a lighthouse", "model_id": "black-forest-labs/flux-schnell"])
            let generation = try await store.create(request, userID: UUID(), idempotencyKey: nil, requestHash: "h").generation
            // Stands in for the generator and the downloader: the first push is refused for good (dead letter at once),
            // later ones make the same transitions the real services make, through the same store.
            let services = Downstream { arrival, count in
                do {
                    switch (arrival.type, count) {
                    case (GenerateImage.name, 1):
                        return .unprocessableContent
                    case (GenerateImage.name, _):
                        guard
                            let started = try await store.start(
                                generation.id, lease: JobLease(id: UUID(uuidString: arrival.jobID)!, attempt: arrival.attempt))
                        else { return .conflict }
                        let handed = try await store.handOver(
                            started, predictionID: "p-revived", outputs: ["https://replicate.delivery/a.png"], predictTime: nil, cost: nil,
                            lease: JobLease(id: UUID(uuidString: arrival.jobID)!, attempt: arrival.attempt)
                        )
                        return handed ? .ok : .conflict
                    default:
                        guard let downloading = try await store.find(generation.id) else { return .notFound }
                        let image = StoredImage(
                            generationId: downloading.id, userId: downloading.userId, outputIndex: 0, filename: "a.png", storagePath: "a.png",
                            publicUrl: "http://files/a.png", fileSize: 1, width: 1, height: 1, format: "png", contentType: "image/png",
                            sha256: "00"
                        )
                        try await store.complete(downloading, images: [image])
                        return .ok
                    }
                } catch {
                    return .internalServerError
                }
            }
            try await services.run { port in
                let process = try await dispatcher(
                    url, routes: "\(GenerateImage.name)=http://127.0.0.1:\(port),\(DownloadImage.name)=http://127.0.0.1:\(port)"
                )
                try await eventually("the generation to fail with its dead job") { try await store.find(generation.id)?.status == .failed }
                let (listed, dead) = try await call(process, .GET, "/v1/admin/dead-jobs?type=\(GenerateImage.name)")
                #expect(listed == 200)
                guard case .array(let jobs)? = dead, case .object(let job)? = jobs.first, let jobID = job["id"]?.string else {
                    Issue.record("no dead job listed: \(String(describing: dead))")
                    return
                }
                let (requeued, answer) = try await call(process, .POST, "/v1/admin/dead-jobs/\(jobID)/requeue")
                #expect(requeued == 200 && answer == ["requeued": .int(1)])
                try await eventually("the revived generation to complete") { try await store.find(generation.id)?.status == .completed }
                process.stop()
            }
            var events: [String] = []
            let rows = try await client.query("SELECT event FROM generation_events WHERE generation_id = \(generation.id) ORDER BY id")
            for try await event in rows.decode(String.self) { events.append(event) }
            #expect(events == ["created", "failed", "revived", "started", "generated", "completed"])
            let errors = try await scalar(
                client, "SELECT jsonb_array_length(errors)::int8 FROM job_queue WHERE dedupe_key = \(GenerateImage.dedupeKey(generation.id))",
                as: Int.self
            )
            #expect(errors == 1)
        }
    }

    @Test("Queue stats, dead jobs by type, requeue by type; refusals name the problem")
    func adminRoutes() async throws {
        try await TestDatabase.withClient { client, url in
            let queue = JobQueue(client: client, logger: logger)
            for type in ["alpha", "beta"] {
                try await queue.enqueue((0..<2).map { _ in NewJob(type: type, payload: "{}") })
                for job in try await queue.claim(limits: [type: 2], worker: "w", lease: .seconds(30)) {
                    try await queue.fail(job.lease, error: "broken \(type)", retryable: false, delay: .zero)
                }
            }
            let services = Downstream()
            try await services.run { port in
                let process = try await dispatcher(url, routes: "alpha=http://127.0.0.1:\(port),beta=http://127.0.0.1:\(port)")
                #expect(try await call(process, .GET, "/v1/admin/queue", token: nil).0 == 401)
                #expect(try await call(process, .GET, "/v1/admin/queue", token: "wrong").0 == 401)
                // The workers' token opens nothing here.
                #expect(try await call(process, .GET, "/v1/admin/queue", token: TestSecrets.internalToken).0 == 401)
                for limit in ["-5", "0", "1001", "ten"] {
                    #expect(try await call(process, .GET, "/v1/admin/dead-jobs?limit=\(limit)").0 == 422, "limit=\(limit)")
                }
                let (status, report) = try await call(process, .GET, "/v1/admin/queue")
                #expect(status == 200)
                guard case .object(let fields)? = report, case .array(let stats)? = fields["stats"] else {
                    Issue.record("no stats in \(String(describing: report))")
                    return
                }
                #expect(stats.contains(["job_type": "alpha", "status": "failed", "count": .int(2), "oldest_available_age_seconds": .int(0)]))

                let (_, alphaDead) = try await call(process, .GET, "/v1/admin/dead-jobs?type=alpha")
                guard case .array(let alpha)? = alphaDead else {
                    Issue.record("no list")
                    return
                }
                #expect(alpha.count == 2 && alpha.allSatisfy { $0.object?["job_type"] == "alpha" && $0.object?["error_message"] == "broken alpha" })

                #expect(try await call(process, .POST, "/v1/admin/dead-jobs/requeue").0 == 422)
                #expect(try await call(process, .POST, "/v1/admin/dead-jobs/not-a-uuid/requeue").0 == 400)
                #expect(try await call(process, .POST, "/v1/admin/dead-jobs/\(UUID())/requeue").0 == 404)
                let (requeued, answer) = try await call(process, .POST, "/v1/admin/dead-jobs/requeue?type=alpha")
                #expect(requeued == 200 && answer == ["requeued": .int(2)])
                try await eventually("the requeued jobs to complete") { services.arrivals.count == 2 }
                try await eventually("no alpha dead job left") {
                    let alphaLeft = try await queue.deadJobs(type: "alpha").count
                    let betaLeft = try await queue.deadJobs(type: "beta").count
                    return alphaLeft == 0 && betaLeft == 2
                }
                process.stop()
            }
            #expect(services.arrivals.allSatisfy { $0.type == "alpha" })
        }
    }

    @Test("Pausing a job type through the admin API holds its jobs in every dispatcher without spending attempts; resuming dispatches them")
    func pauseAndResume() async throws {
        try await TestDatabase.withClient { client, url in
            let queue = JobQueue(client: client, logger: logger)
            let services = Downstream()
            try await services.run { port in
                let process = try await dispatcher(url, routes: "alpha=http://127.0.0.1:\(port),beta=http://127.0.0.1:\(port)")
                let (paused, pause) = try await call(process, .POST, "/v1/admin/pause", json: #"{"job_type": "alpha", "reason": "incident"}"#)
                #expect(paused == 200)
                #expect(pause?.object?["kind"] == "job_type" && pause?.object?["reason"] == "incident")
                try await queue.enqueue([NewJob(type: "alpha", payload: "{}"), NewJob(type: "beta", payload: "{}")])
                // The other type runs; the paused one waits, its attempt unspent.
                try await eventually("the beta job to be pushed") { services.arrivals.contains { $0.type == "beta" } }
                try await Task.sleep(for: .milliseconds(500))
                #expect(!services.arrivals.contains { $0.type == "alpha" })
                #expect(
                    try await scalar(client, "SELECT attempt_number FROM job_queue WHERE job_type = 'alpha'", as: Int.self) == 0)
                let (_, listed) = try await call(process, .GET, "/v1/admin/pauses")
                #expect(listed?.object?["data"]?.array?.count == 1)

                // Refusals name the field; resuming what is not paused is 404.
                #expect(try await call(process, .POST, "/v1/admin/pause", json: #"{"job_type": "gamma"}"#).0 == 422)
                #expect(try await call(process, .POST, "/v1/admin/pause", json: #"{"model": "nobody/nothing"}"#).0 == 422)
                #expect(try await call(process, .POST, "/v1/admin/pause", json: #"{}"#).0 == 422)
                #expect(try await call(process, .POST, "/v1/admin/resume", json: #"{"job_type": "beta"}"#).0 == 404)

                #expect(try await call(process, .POST, "/v1/admin/resume", json: #"{"job_type": "alpha"}"#).0 == 200)
                try await eventually("the alpha job to be pushed once resumed") { services.arrivals.contains { $0.type == "alpha" } }
                #expect(try await call(process, .GET, "/v1/admin/pauses").1?.object?["data"]?.array?.isEmpty == true)
                process.stop()
            }
        }
    }

    @Test("Without ADMIN_TOKEN the admin API is off (403), and an ADMIN_TOKEN equal to INTERNAL_TOKEN stops the dispatcher (exit 78)")
    func adminTokenRequired() async throws {
        try await TestDatabase.withClient { _, url in
            let off = try await dispatcher(url, routes: "alpha=http://127.0.0.1:9", adminToken: nil)
            #expect(try await call(off, .GET, "/v1/admin/queue").0 == 403)
            #expect(try await call(off, .GET, "/v1/admin/queue", token: TestSecrets.internalToken).0 == 403)
            off.stop()
            let same = try await ServiceProcess(
                "dispatcher",
                environment: [
                    "DATABASE_URL": url.connectionString, "DATABASE_DIRECT_URL": url.directConnectionString,
                    "INTERNAL_TOKEN": token, "ADMIN_TOKEN": token,
                ], ready: false)
            try await eventually("the dispatcher to refuse to start") { !same.process.isRunning }
            #expect(same.process.terminationStatus == 78)
            #expect(same.output.contains("ADMIN_TOKEN must differ from INTERNAL_TOKEN"))
        }
    }

    @Test(
        "A model is disabled and enabled, repriced, pinned to a version, an alias reweighted, through the admin API; each change recorded with who, why and what"
    )
    func modelStates() async throws {
        try await TestDatabase.withClient { client, url in
            let process = try await dispatcher(url, routes: "alpha=http://127.0.0.1:9")
            let refused = try await call(process, .POST, "/v1/admin/models/disable", json: #"{"model": "nobody/nothing", "by": ""}"#)
            #expect(refused.0 == 422)
            guard case .array(let errors)? = refused.1?.object?["errors"] else {
                Issue.record("no errors")
                return
            }
            #expect(Set(errors.compactMap { $0.object?["field"]?.string }) == ["model", "reason", "by"])
            let disabled = try await call(
                process, .POST, "/v1/admin/models/disable", json: #"{"model": "stability-ai/sdxl", "reason": "deprecated", "by": "ops"}"#)
            #expect(disabled.0 == 200 && disabled.1?.object?["change"] == .string("disabled"))
            #expect(
                try await ModelStateStore(client: client, logger: TestDatabase.logger).overrides().disabled == ["stability-ai/sdxl": "deprecated"])
            #expect(try await call(process, .POST, "/v1/admin/models/enable", json: #"{"model": "stability-ai/sdxl", "by": "ops"}"#).0 == 200)
            #expect(try await call(process, .POST, "/v1/admin/models/enable", json: #"{"model": "stability-ai/sdxl"}"#).0 == 404)
            let (status, report) = try await call(process, .GET, "/v1/admin/models")
            #expect(status == 200 && report?.object?["disabled"] == .array([]))
            guard case .array(let changes)? = report?.object?["changes"] else {
                Issue.record("no changes")
                return
            }
            #expect(changes.compactMap { $0.object?["change"]?.string } == ["enabled", "disabled"])
            #expect(changes.allSatisfy { $0.object?["changed_by"] == .string("ops") })
            // Prices, versions and alias weights: each bad field named; each change recorded with what it set.
            for (path, json, field) in [
                ("models/price", #"{"model": "black-forest-labs/flux-schnell"}"#, "usd"),
                ("models/price", #"{"model": "black-forest-labs/flux-schnell", "usd": -1}"#, "usd"),
                ("models/version", #"{"model": "black-forest-labs/flux-schnell", "version": null}"#, "model"),
                ("models/version", #"{"model": "stability-ai/sdxl", "version": "v2"}"#, "version"),
                ("aliases/weights", #"{"alias": "slow", "weights": null}"#, "alias"),
                ("aliases/weights", #"{"alias": "fast", "weights": {"stability-ai/sdxl": 1}}"#, "weights"),
                (
                    "aliases/weights",
                    #"{"alias": "fast", "weights": {"black-forest-labs/flux-schnell": 0, "bytedance/sdxl-lightning-4step": 0}}"#, "weights"
                ),
            ] {
                let refused = try await call(process, .POST, "/v1/admin/\(path)", json: json)
                let fields = refused.1?.object?["errors"]?.array?.compactMap { $0.object?["field"]?.string } ?? []
                #expect(refused.0 == 422 && fields.contains(field), "\(path) \(json): \(fields)")
            }
            let version = String(repeating: "0a", count: 32)
            for (path, json) in [
                ("models/price", #"{"model": "black-forest-labs/flux-schnell", "usd": 0.004, "by": "ops"}"#),
                ("models/version", #"{"model": "stability-ai/sdxl", "version": "\#(version)", "by": "ops"}"#),
                ("aliases/weights", #"{"alias": "fast", "weights": {"black-forest-labs/flux-schnell": 1}, "by": "ops"}"#),
            ] {
                #expect(try await call(process, .POST, "/v1/admin/\(path)", json: json).0 == 200, "\(path)")
            }
            let overrides = try await ModelStateStore(client: client, logger: TestDatabase.logger).overrides()
            #expect(overrides.prices == ["black-forest-labs/flux-schnell": 0.004] && overrides.versions == ["stability-ai/sdxl": version])
            #expect(overrides.aliasWeights == ["fast": ["black-forest-labs/flux-schnell": 1]] && overrides.disabled.isEmpty)
            let (_, latest) = try await call(process, .GET, "/v1/admin/models")
            guard case .array(let recorded)? = latest?.object?["changes"] else {
                Issue.record("no changes")
                return
            }
            #expect(recorded.prefix(3).compactMap { $0.object?["change"]?.string } == ["weights", "version", "price"])
            #expect(recorded[2].object?["value"] == "0.004" && latest?.object?["prices"]?.object?["black-forest-labs/flux-schnell"] == .double(0.004))
            process.stop()
        }
    }

    @Test("Operators read every user's usage and set one user's budget")
    func usageAndBudgets() async throws {
        try await TestDatabase.withClient { client, url in
            let generation = try await insertGeneration(client)
            try await client.query("UPDATE image_generations SET status = 'processing' WHERE id = \(generation)")
            try await client.query("UPDATE image_generations SET status = 'downloading', cost = 0.25 WHERE id = \(generation)")
            try await client.query("UPDATE image_generations SET status = 'completed', completed_at = now() WHERE id = \(generation)")
            let user = try await scalar(client, "SELECT user_id FROM image_generations WHERE id = \(generation)", as: UUID.self)
            let process = try await dispatcher(url, routes: "alpha=http://127.0.0.1:9")
            #expect(try await call(process, .GET, "/v1/admin/usage", token: nil).0 == 401)
            let (status, report) = try await call(process, .GET, "/v1/admin/usage")
            #expect(status == 200)
            guard case .array(let rows)? = report?.object?["data"] else {
                Issue.record("no data")
                return
            }
            #expect(
                rows == [
                    [
                        "key": .string(user.uuidString.lowercased()), "generations": .int(1), "completed": .int(1), "images": .int(0),
                        "cost_usd": .double(0.25), "unpriced_generations": .int(0),
                    ]
                ])
            #expect(try await call(process, .GET, "/v1/admin/usage?from=never").0 == 422)
            #expect(try await call(process, .PUT, "/v1/admin/budgets/\(user)", json: #"{"monthly_usd": 12.5}"#).0 == 200)
            #expect(
                try await scalar(client, "SELECT monthly_budget_usd::float8 FROM generation_slots WHERE user_id = \(user)", as: Double.self) == 12.5)
            #expect(try await call(process, .PUT, "/v1/admin/budgets/\(user)", json: #"{"monthly_usd": -1}"#).0 == 422)
            // Beyond what the column holds: refused, not a 500.
            #expect(try await call(process, .PUT, "/v1/admin/budgets/\(user)", json: #"{"monthly_usd": 1e12}"#).0 == 422)
            #expect(try await call(process, .PUT, "/v1/admin/budgets/\(user)", json: #"{"monthly_usd": null}"#).0 == 200)
            #expect(try await scalar(client, "SELECT monthly_budget_usd IS NULL FROM generation_slots WHERE user_id = \(user)", as: Bool.self))
            process.stop()
        }
    }

    @Test("Queue gauges tell the truth after the queue drains: every routed type and state is written, zeros included")
    func gaugesDropToZero() async throws {
        try await TestDatabase.withClient { client, url in
            let queue = JobQueue(client: client, logger: logger)
            let services = Downstream()
            try await services.run { port in
                try await queue.enqueue([NewJob(type: "alpha", payload: "{}")])
                let process = try await dispatcher(url, routes: "alpha=http://127.0.0.1:\(port),beta=http://127.0.0.1:\(port)")
                try await eventually("the job to be pushed") { services.arrivals.count == 1 }
                /// The gauge line for `type` and `status`, from the dispatcher's own /metrics.
                @Sendable func gauge(_ type: String, _ status: String) async throws -> Double? {
                    let response = try await HTTPClient.shared.execute(
                        HTTPClientRequest(url: "http://127.0.0.1:\(process.port)/metrics"), timeout: .seconds(5))
                    let text = String(buffer: try await response.body.collect(upTo: 1 << 20))
                    let line = text.split(separator: "\n").map(String.init).first {
                        $0.hasPrefix("imagegen_queue_jobs{") && $0.contains(#"job_type="\#(type)""#) && $0.contains(#"status="\#(status)""#)
                    }
                    return line.flatMap { $0.split(separator: " ").last }.flatMap { Double($0) }
                }
                // The maintenance pass writes every five seconds; after the drain, pending reads 0, and a routed type that
                // never had a job reads 0 too.
                try await eventually("pending alpha to read 0", timeout: .seconds(15)) { try await gauge("alpha", "pending") == 0 }
                #expect(try await gauge("beta", "processing") == 0)
                process.stop()
            }
        }
    }

    @Test(
        "Projects through the admin API: made with limits (422 naming each bad field, 409 for a taken name), members added and moved only when removed first, limits changed, usage by project, deleted"
    )
    func projects() async throws {
        try await TestDatabase.withClient { client, url in
            let process = try await dispatcher(url, routes: "alpha=http://127.0.0.1:9")
            let bad = try await call(process, .POST, "/v1/admin/projects", json: #"{"monthly_usd": -1, "max_running": 0.5, "colour": "red"}"#)
            let fields = bad.1?.object?["errors"]?.array?.compactMap { $0.object?["field"]?.string } ?? []
            #expect(bad.0 == 422 && Set(fields) == ["name", "monthly_usd", "max_running", "colour"], "\(fields)")
            let made = try await call(process, .POST, "/v1/admin/projects", json: #"{"name": "app", "monthly_usd": 25, "max_running": 10}"#)
            #expect(made.0 == 201 && made.1?.object?["monthly_budget_usd"]?.number == 25 && made.1?.object?["max_running"]?.number == 10)
            #expect(try await call(process, .POST, "/v1/admin/projects", json: #"{"name": "app"}"#).0 == 409)
            let id = try #require(made.1?.object?["id"]?.string)
            let other = try #require(try await call(process, .POST, "/v1/admin/projects", json: #"{"name": "other"}"#).1?.object?["id"]?.string)
            let user = UUID().uuidString.lowercased()
            let added = try await call(process, .PUT, "/v1/admin/projects/\(id)/members/\(user)")
            #expect(added.0 == 200 && added.1?.object?["members"] == .array([.string(user)]))
            #expect(try await call(process, .PUT, "/v1/admin/projects/\(id)/members/\(user)").0 == 200, "again changes nothing")
            #expect(try await call(process, .PUT, "/v1/admin/projects/\(other)/members/\(user)").0 == 409)
            #expect(try await call(process, .PUT, "/v1/admin/projects/\(UUID())/members/\(user)").0 == 404)
            let patched = try await call(process, .PATCH, "/v1/admin/projects/\(id)", json: #"{"monthly_usd": null}"#)
            #expect(patched.0 == 200 && patched.1?.object?["monthly_budget_usd"] == nil && patched.1?.object?["max_running"]?.number == 10)
            let usage = try await call(process, .GET, "/v1/admin/usage?group_by=project")
            #expect(usage.0 == 200 && usage.1?.object?["group_by"] == "project")
            #expect(try await call(process, .GET, "/v1/admin/usage?group_by=model").0 == 422)
            #expect(try await call(process, .DELETE, "/v1/admin/projects/\(id)/members/\(user)").0 == 204)
            #expect(try await call(process, .PUT, "/v1/admin/projects/\(other)/members/\(user)").0 == 200, "moved once removed")
            #expect(try await call(process, .DELETE, "/v1/admin/projects/\(other)").0 == 204)
            #expect(
                try await scalar(client, "SELECT count(*)::int8 FROM project_members WHERE project_id = \(other)::uuid", as: Int.self) == 0,
                "its members went with it")
            // The project's own keys: checked like a user's, shown once, listed, revoked.
            let badKey = try await call(
                process, .POST, "/v1/admin/projects/\(id)/keys", json: #"{"name": "", "monthly_usd": -2, "rate_per_minute": 0}"#)
            let keyFields = badKey.1?.object?["errors"]?.array?.compactMap { $0.object?["field"]?.string } ?? []
            #expect(badKey.0 == 422 && Set(keyFields) == ["name", "monthly_usd", "rate_per_minute"], "\(keyFields)")
            #expect(try await call(process, .POST, "/v1/admin/projects/\(UUID())/keys", json: #"{"name": "k"}"#).0 == 404)
            let key = try await call(process, .POST, "/v1/admin/projects/\(id)/keys", json: #"{"name": "backend", "monthly_usd": 5}"#)
            #expect(key.0 == 201 && key.1?.object?["key"]?.string?.hasPrefix("igk_") == true && key.1?.object?["monthly_budget_usd"]?.number == 5)
            let keyID = try #require(key.1?.object?["id"]?.string)
            let keys = try await call(process, .GET, "/v1/admin/projects/\(id)/keys")
            #expect(keys.1?.object?["data"]?.array?.count == 1 && keys.1?.object?["data"]?.array?.first?.object?["key"] == nil)
            #expect(try await scalar(client, "SELECT user_id FROM api_keys", as: UUID.self).lowercase == id)
            #expect(try await call(process, .DELETE, "/v1/admin/projects/\(id)/keys/\(keyID)").0 == 204)
            #expect(try await call(process, .DELETE, "/v1/admin/projects/\(other)/keys/\(keyID)").0 == 404, "not that project's")
            let rated = try await call(process, .PATCH, "/v1/admin/projects/\(id)", json: #"{"rate_per_minute": 120}"#)
            #expect(rated.0 == 200 && rated.1?.object?["rate_per_minute"]?.number == 120 && rated.1?.object?["max_running"]?.number == 10)
            let listed = try await call(process, .GET, "/v1/admin/projects")
            #expect(listed.1?.object?["data"]?.array?.compactMap { $0.object?["name"]?.string } == ["app"])
            process.stop()
        }
    }
}
