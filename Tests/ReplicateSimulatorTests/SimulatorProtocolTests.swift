import Catalog
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import ReplicateAPI
import ReplicateSimulatorService
import ServiceKit
import Testing
import WireFormat

@Suite("Replicate simulator: protocol")
struct SimulatorProtocolTests {
    @Test("Creating an official model's prediction answers 201 with Replicate's prediction shape")
    func createOfficial() async throws {
        try await withSimulator(Scenario(timeScale: 0, latency: ["black-forest-labs/flux-schnell": 30])) { sim in
            let response = try await sim.call(
                .post, "/v1/models/black-forest-labs/flux-schnell/predictions", json: #"{"input": {"prompt": "a cat"}}"#)
            #expect(response.status == .created)
            let prediction = try sim.prediction(response)
            #expect(prediction.id.count == 26)
            #expect(prediction.id.allSatisfy { $0.isLowercase || $0.isNumber })
            #expect(prediction.version == "hidden")
            #expect(prediction.model == "black-forest-labs/flux-schnell")
            #expect(prediction.status == .starting || prediction.status == .processing)
            #expect(Set(prediction.urls.keys) == ["get", "cancel", "web"])
            #expect(prediction.createdAt?.hasSuffix("Z") == true)
            #expect(response.headers[.rateLimitRemaining] == "599")
            let object = try sim.object(response)
            #expect(object["urls"].map { if case .object(let urls) = $0 { !urls.values.contains(.null) } else { false } } == true)
        }
    }

    @Test("Prefer: wait returns the finished prediction with its output and echoes Preference-Applied")
    func preferWait() async throws {
        try await withSimulator { sim in
            let response = try await sim.call(
                .post, "/v1/models/black-forest-labs/flux-schnell/predictions", json: #"{"input": {"prompt": "a cat", "num_outputs": 2}}"#,
                headers: [.prefer: "wait=5"]
            )
            #expect(response.headers[.preferenceApplied] == "wait=5")
            let prediction = try sim.prediction(response)
            #expect(prediction.status == .succeeded)
            #expect(prediction.outputURLs.count == 2)
            #expect(prediction.metrics?.predictTime != nil)
            #expect(prediction.completedAt != nil)
        }
    }

    @Test("Cancel-After is honoured as Replicate does: the answer names the deadline, which cancels the prediction by itself")
    func cancelAfter() async throws {
        try await withSimulator(Scenario(timeScale: 1, latency: ["black-forest-labs/flux-schnell": 30])) { sim in
            let path = "/v1/models/black-forest-labs/flux-schnell/predictions"
            let response = try await sim.call(.post, path, json: #"{"input": {"prompt": "slow"}}"#, headers: [.init("Cancel-After")!: "1s"])
            let created = try sim.prediction(response)
            let deadline = try #require(created.deadline.flatMap(Timestamp.parse))
            #expect(abs(deadline.timeIntervalSinceNow - 1) < 0.5)
            try await Task.sleep(for: .milliseconds(1300))
            let after = try sim.prediction(try await sim.call(.get, "/v1/predictions/\(created.id)"))
            #expect(after.status == .canceled)
            #expect(after.completedAt != nil)
            // A duration Replicate would not read is refused, naming the header.
            let refused = try await sim.call(.post, path, json: #"{"input": {"prompt": "x"}}"#, headers: [.init("Cancel-After")!: "soon"])
            #expect(refused.status.code == 422)
            #expect(String(buffer: refused.body).contains("Cancel-After"))
        }
    }

    @Test("A wait that times out answers starting, never processing without output")
    func preferWaitTimeout() async throws {
        try await withSimulator(Scenario(timeScale: 1, latency: ["black-forest-labs/flux-schnell": 10])) { sim in
            let response = try await sim.call(
                .post, "/v1/models/black-forest-labs/flux-schnell/predictions", json: #"{"input": {"prompt": "slow"}}"#,
                headers: [.prefer: "wait=1"]
            )
            let prediction = try sim.prediction(response)
            #expect(prediction.status == .starting)
            #expect(prediction.output == nil)
        }
    }

    @Test("Version-pinned models run through /v1/predictions with a bare hash or owner/name:hash")
    func versionedCreate() async throws {
        try await withSimulator { sim in
            let version = try #require(ModelCatalog.model("stability-ai/sdxl")?.version)
            for reference in [version, "stability-ai/sdxl:\(version)"] {
                let response = try await sim.call(
                    .post, "/v1/predictions", json: #"{"version": "\#(reference)", "input": {"prompt": "x", "width": 512, "height": 512}}"#,
                    headers: [.prefer: "wait"]
                )
                #expect(response.status == .created)
                let prediction = try sim.prediction(response)
                #expect(prediction.version == version)
                #expect(prediction.status == .succeeded)
            }
            let unknown = try await sim.call(.post, "/v1/predictions", json: #"{"version": "\#(String(repeating: "0", count: 64))", "input": {}}"#)
            #expect(unknown.status == .unprocessableContent)
            #expect(try sim.object(unknown)["title"] == .string("Invalid version or not permitted"))
            let official = try await sim.call(
                .post, "/v1/predictions", json: #"{"version": "black-forest-labs/flux-schnell", "input": {"prompt": "x"}}"#)
            #expect(official.status == .created)
        }
    }

    @Test("Missing or invalid credentials answer 401 problem+json; the legacy Token scheme works")
    func authentication() async throws {
        try await withSimulator { sim in
            let missing = try await sim.call(.get, "/v1/predictions", token: nil)
            #expect(missing.status == .unauthorized)
            #expect(missing.headers[.contentType] == "application/problem+json")
            #expect(try sim.object(missing)["detail"] == .string("You did not pass a valid authentication token"))
            let legacy = try await sim.client.execute(uri: "/v1/predictions", method: .get, headers: [.authorization: "Token r8_x"])
            #expect(legacy.status == .ok)
        }
    }

    @Test("Input that violates the model's schema answers 422 with invalid_fields")
    func inputValidation() async throws {
        try await withSimulator { sim in
            let response = try await sim.call(
                .post, "/v1/models/black-forest-labs/flux-schnell/predictions",
                json: #"{"input": {"prompt": "x", "aspect_ratio": "7:4", "num_inference_steps": 9, "width": 100}}"#
            )
            #expect(response.status == .unprocessableContent)
            let body = try sim.object(response)
            #expect(body["title"] == .string("Input validation failed"))
            guard case .array(let fields)? = body["invalid_fields"] else {
                Issue.record("no invalid_fields")
                return
            }
            let types = fields.compactMap { if case .object(let f) = $0 { f["type"]?.string } else { nil } }.sorted()
            #expect(types == ["additional_property_not_allowed", "enum", "number_lte"])
            let missing = try await sim.call(.post, "/v1/models/google/imagen-4-fast/predictions", json: #"{"input": {}}"#)
            #expect(try sim.object(missing)["detail"]?.string?.contains("prompt is required") == true)
            let extra = try await sim.call(.post, "/v1/models/google/imagen-4-fast/predictions", json: #"{"input": {"prompt": "x"}, "model": "y"}"#)
            #expect(extra.status == .unprocessableContent)
            let unknownModel = try await sim.call(.post, "/v1/models/nobody/nothing/predictions", json: #"{"input": {}}"#)
            #expect(unknownModel.status == .notFound)
        }
    }

    @Test("Get, cancel and 404 for unknown ids")
    func getAndCancel() async throws {
        try await withSimulator(Scenario(timeScale: 1, latency: ["bytedance/seedream-4": 30])) { sim in
            let created = try sim.prediction(
                try await sim.call(.post, "/v1/models/bytedance/seedream-4/predictions", json: #"{"input": {"prompt": "x"}}"#))
            let fetched = try sim.prediction(try await sim.call(.get, "/v1/predictions/\(created.id)"))
            #expect(fetched.id == created.id)
            let cancelled = try sim.prediction(try await sim.call(.post, "/v1/predictions/\(created.id)/cancel"))
            #expect(cancelled.status == .canceled)
            #expect(cancelled.completedAt != nil)
            #expect(try sim.prediction(try await sim.call(.get, "/v1/predictions/\(created.id)")).status == .canceled)
            #expect(try await sim.call(.get, "/v1/predictions/aaaaaaaaaaaaaaaaaaaaaaaaaa").status == .notFound)
        }
    }

    @Test("Listing pages 100 at a time, newest first, with an absolute next URL carrying cursor=")
    func listPagination() async throws {
        try await withSimulator { sim in
            var ids: [String] = []
            for _ in 0..<130 {
                ids.append(
                    try sim.prediction(try await sim.call(.post, "/v1/models/google/imagen-4-fast/predictions", json: #"{"input": {"prompt": "x"}}"#))
                        .id)
            }
            let first = try sim.object(try await sim.call(.get, "/v1/predictions"))
            guard case .array(let results)? = first["results"], let next = first["next"]?.string else {
                Issue.record("bad page")
                return
            }
            #expect(results.count == 100)
            #expect(next.hasPrefix("http://") && next.contains("cursor="))
            let path = String(next[next.range(of: "/v1/")!.lowerBound...])
            let second = try sim.object(try await sim.call(.get, path))
            guard case .array(let rest)? = second["results"] else {
                Issue.record("bad second page")
                return
            }
            #expect(rest.count == 30)
            #expect(second["next"] == .null || second["next"] == nil)
            let listed = (results + rest).compactMap { if case .object(let p) = $0 { p["id"]?.string } else { nil } }
            #expect(listed == ids.reversed())
        }
    }

    @Test("Model and version metadata carry an OpenAPI schema with Input and Output")
    func modelMetadata() async throws {
        try await withSimulator { sim in
            let model = try sim.object(try await sim.call(.get, "/v1/models/stability-ai/sdxl"))
            #expect(model["visibility"] == .string("public"))
            let version = try #require(ModelCatalog.model("stability-ai/sdxl")?.version)
            let versionObject = try sim.object(try await sim.call(.get, "/v1/models/stability-ai/sdxl/versions/\(version)"))
            #expect(versionObject["id"] == .string(version))
            guard case .object(let schema)? = versionObject["openapi_schema"], case .object(let components)? = schema["components"],
                case .object(let schemas)? = components["schemas"]
            else {
                Issue.record("no schema")
                return
            }
            #expect(schemas["Input"] != nil && schemas["Output"] != nil)
            let secret = try sim.object(try await sim.call(.get, "/v1/webhooks/default/secret"))
            #expect(secret["key"]?.string?.hasPrefix("whsec_") == true)
        }
    }

    @Test("Injected 429s carry retry_after and Retry-After; injected 5xx answer 500")
    func faultInjection() async throws {
        var throttled = Scenario(timeScale: 0)
        throttled.create429Rate = 1
        try await withSimulator(throttled) { sim in
            let response = try await sim.call(.post, "/v1/models/google/imagen-4-fast/predictions", json: #"{"input": {"prompt": "x"}}"#)
            #expect(response.status == .tooManyRequests)
            #expect(response.headers[.retryAfter] == "1")
            #expect(try sim.object(response)["retry_after"] == .int(1))
        }
        var failing = Scenario(timeScale: 0)
        failing.create5xxRate = 1
        try await withSimulator(failing) { sim in
            let response = try await sim.call(.post, "/v1/models/google/imagen-4-fast/predictions", json: #"{"input": {"prompt": "x"}}"#)
            #expect(response.status == .internalServerError)
        }
    }

    @Test("NSFW and model failures end failed with Replicate-like messages")
    func modelFailures() async throws {
        try await withSimulator { sim in
            let nsfw = try sim.prediction(
                try await sim.call(
                    .post, "/v1/models/google/imagen-4-fast/predictions", json: #"{"input": {"prompt": "[nsfw] x"}}"#, headers: [.prefer: "wait"])
            )
            #expect(nsfw.status == .failed)
            #expect(nsfw.error?.contains("Responsible AI") == true && nsfw.error?.contains("E005") == true)
            let broken = try sim.prediction(
                try await sim.call(
                    .post, "/v1/models/google/imagen-4-fast/predictions", json: #"{"input": {"prompt": "[fail] x"}}"#, headers: [.prefer: "wait"])
            )
            #expect(broken.status == .failed)
            #expect(broken.error != nil)
        }
    }
}

extension SimulatorProtocolTests {
    @Test("A scenario update with a key the simulator does not know is refused naming it, and changes nothing")
    func unknownScenarioKeys() async throws {
        try await withSimulator { sim in
            let refused = try await sim.call(.post, "/_simulator/scenario", json: #"{"create_5xx_rate": 1, "time_scale": 2}"#, token: nil)
            #expect(refused.status == .unprocessableContent)
            #expect(String(buffer: refused.body).contains("create_5xx_rate"))
            let current = try await sim.call(.get, "/_simulator/scenario", token: nil)
            #expect(String(buffer: current.body).contains(#""time_scale":0"#))
            let accepted = try await sim.call(.post, "/_simulator/scenario", json: #"{"create5xx_rate": 1, "outage_retry_after": "7"}"#, token: nil)
            #expect(accepted.status == .ok)
        }
    }

    @Test("An outage answers every API call 503 with the Retry-After it was given, until it ends")
    func outage() async throws {
        try await withSimulator { sim in
            _ = try await sim.call(.post, "/_simulator/scenario", json: #"{"outage": true, "outage_retry_after": "nan"}"#, token: nil)
            let down = try await sim.call(.post, "/v1/models/black-forest-labs/flux-schnell/predictions", json: #"{"input": {"prompt": "a cat"}}"#)
            #expect(down.status == .serviceUnavailable)
            #expect(down.headers[.retryAfter] == "nan")
            #expect(try await sim.call(.get, "/v1/predictions").status == .serviceUnavailable)
            _ = try await sim.call(.post, "/_simulator/scenario", json: #"{"outage": false}"#, token: nil)
            #expect(try await sim.call(.get, "/v1/predictions").status == .ok)
        }
    }
}
