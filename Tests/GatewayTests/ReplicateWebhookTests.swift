import Foundation
import Generations
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import JobQueue
import PostgresNIO
import ReplicateAPI
import ServiceKit
import TestSupport
import Testing

/// Replicate's webhooks at the gateway: verified, applied once, through the same transitions a poll makes.
@Suite("Replicate webhooks")
struct ReplicateWebhookTests {
    /// A generation the generator has started and recorded prediction `predictionID` for, as it does before parking.
    func running(_ g: GatewayHarness, predictionID: String) async throws -> UUID {
        let id = UUID(uuidString: try await g.create())!
        let store = GenerationStore(client: g.database, logger: TestDatabase.logger)
        let job = try #require(try await JobQueue(client: g.database, logger: TestDatabase.logger).firstJob(dedupeKey: GenerateImage.dedupeKey(id)))
        let lease = JobLease(id: job, attempt: 1)
        _ = try #require(try await store.start(id, lease: lease))
        #expect(try await store.recordPrediction(id, predictionID: predictionID, lease: lease))
        return id
    }

    func post(
        _ g: GatewayHarness, _ body: String, id: String = "msg_\(UUID())", timestamp: Int = Int(Date().timeIntervalSince1970),
        secret: String = GatewayHarness.webhookSecret
    ) async throws -> HTTPResponse.Status {
        let signature = try #require(WebhookSignature.sign(secret: secret, id: id, timestamp: timestamp, body: Array(body.utf8)))
        return try await g.call(
            .post, "/v1/replicate/webhook", json: body,
            headers: [.webhookID: id, .webhookTimestamp: String(timestamp), .webhookSignature: signature]
        ).status
    }

    func prediction(_ id: String, status: String, output: String = "null", logs: String = "") -> String {
        #"{"id": "\#(id)", "model": "black-forest-labs/flux-schnell", "version": "", "input": {}, "status": "\#(status)", "output": \#(output), "logs": "\#(logs)", "error": null, "created_at": "2026-11-30T10:00:00Z", "urls": {"get": "x", "cancel": "y"}}"#
    }

    @Test("Progress, then completion: the generation is handed to the downloader and its parked job is cancelled")
    func completes() async throws {
        try await GatewayHarness.run { g in
            let id = try await running(g, predictionID: "p-webhook")
            #expect(try await post(g, prediction("p-webhook", status: "processing", logs: "40%|████      | 2/5 [00:01<00:02]")) == .ok)
            let store = GenerationStore(client: g.database, logger: TestDatabase.logger)
            // Progress is gathered and written in batches, within half a second.
            try await eventually("the webhook's progress") { try await store.find(id)?.progress == 40 }
            let output = #"["https://replicate.delivery/a.webp"]"#
            let succeeded = prediction("p-webhook", status: "succeeded", output: output).replacingOccurrences(
                of: #""error": null"#, with: #""error": null, "metrics": {"predict_time": 2.5}"#)
            #expect(try await post(g, succeeded) == .ok)
            let after = try #require(try await store.find(id))
            #expect(after.status == .downloading && after.outputUrls == ["https://replicate.delivery/a.webp"])
            let jobs = try await firstRow(
                g.database,
                """
                SELECT (SELECT status FROM job_queue WHERE dedupe_key = \(GenerateImage.dedupeKey(id))),
                       (SELECT status FROM job_queue WHERE dedupe_key = \(DownloadImage.dedupeKey(id)))
                """,
                as: (String, String).self
            )
            #expect(jobs == ("cancelled", "pending"))
            // Its run time is learned as a polled one's is (written with the gateway's next batch of timings).
            try await eventually("the webhook's run time in model_timings") {
                let rows = try await g.database.query(
                    "SELECT run_samples, run_log_mean FROM model_timings WHERE model_id = 'black-forest-labs/flux-schnell'")
                for try await (samples, mean) in rows.decode((Int, Double).self) { return samples == 1 && abs(mean - log(2.5)) < 1e-9 }
                return false
            }
        }
    }

    @Test("A succeeded prediction whose outputs Replicate removed fails output_expired, as the generator's poll decides it")
    func dataRemoved() async throws {
        try await GatewayHarness.run { g in
            let id = try await running(g, predictionID: "p-removed")
            let body = prediction("p-removed", status: "succeeded").replacingOccurrences(
                of: #""error": null"#, with: #""error": null, "data_removed": true"#)
            #expect(try await post(g, body) == .ok)
            let after = try #require(try await GenerationStore(client: g.database, logger: TestDatabase.logger).find(id))
            #expect(after.status == .failed)
            #expect(after.errorCode == GenerationFailure.outputExpired.code)
            // The one decision both paths take.
            let decoded = try JSONDecoder().decode(Prediction.self, from: Data(body.utf8))
            #expect(PredictionOutcome(decoded, model: nil, width: 1024, height: 1024) == .failed(.outputExpired, billed: nil))
        }
    }

    @Test("A forged, stale or replayed webhook is refused with 401 and changes nothing; an unknown prediction's completion is 404")
    func refused() async throws {
        try await GatewayHarness.run { g in
            let id = try await running(g, predictionID: "p-guarded")
            let done = prediction("p-guarded", status: "succeeded", output: #"["https://replicate.delivery/a.webp"]"#)
            #expect(try await post(g, done, secret: "whsec_" + Data(repeating: 7, count: 24).base64EncodedString()) == .unauthorized)
            #expect(try await post(g, done, timestamp: Int(Date().timeIntervalSince1970) - 600) == .unauthorized)
            let store = GenerationStore(client: g.database, logger: TestDatabase.logger)
            #expect(try await store.find(id)?.status == .processing)
            #expect(try await post(g, done, id: "msg_once") == .ok)
            #expect(try await store.find(id)?.status == .downloading)
            // The same delivery again, even with another body, is refused and changes nothing.
            #expect(try await post(g, prediction("p-guarded", status: "failed"), id: "msg_once") == .unauthorized)
            #expect(try await store.find(id)?.status == .downloading)
            #expect(try await post(g, prediction("p-nobody", status: "succeeded", output: "[]")) == .notFound)
        }
    }
}
