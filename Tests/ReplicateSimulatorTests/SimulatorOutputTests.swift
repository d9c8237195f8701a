import Catalog
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import ReplicateAPI
import ReplicateSimulatorService
import ServiceKit
import Storage
import Synchronization
import TestSupport
import Testing
import WireFormat

@Suite("Replicate simulator: outputs and webhooks")
struct SimulatorOutputTests {
    @Test(
        "Raster outputs are real PNGs of the size the input asks for; SVG models return SVG",
        arguments: [
            ("black-forest-labs/flux-schnell", #"{"prompt": "x", "aspect_ratio": "16:9"}"#, "png"),
            ("bytedance/sdxl-lightning-4step", #"{"prompt": "x", "width": 640, "height": 384}"#, "png"),
            ("recraft-ai/recraft-v3", #"{"prompt": "x", "size": "1365x1024"}"#, "png"),
            ("recraft-ai/recraft-v3-svg", #"{"prompt": "x", "size": "1024x1707"}"#, "svg"),
        ])
    func outputs(model: String, input: String, format: String) async throws {
        try await withSimulator { sim in
            let spec = try #require(ModelCatalog.model(model))
            let path = spec.isOfficial ? "/v1/models/\(model)/predictions" : "/v1/predictions"
            let version = spec.version.map { #""version": "\#($0)", "# } ?? ""
            let prediction = try sim.prediction(
                try await sim.call(.post, path, json: #"{\#(version)"input": \#(input)}"#, headers: [.prefer: "wait"]))
            let url = try #require(prediction.outputURLs.first)
            #expect(spec.outputShape == .array ? prediction.outputURLs.count >= 1 : true)
            let file = try await sim.call(.get, String(url[url.range(of: "/files/")!.lowerBound...]), token: nil)
            #expect(file.status == .ok)
            let info = try #require(ImageInspector.inspect(Array(file.body.readableBytesView)))
            #expect(info.format == format)
            let inputObject = try JSONDecoder().decode([String: JSONValue].self, from: Data(input.utf8))
            let expected = spec.outputDimensions(for: inputObject)
            #expect(info.width == expected.width && info.height == expected.height)
        }
    }

    @Test("The same prompt and seed render the same image; another prompt renders another")
    func deterministicRendering() async throws {
        try await withSimulator { sim in
            func render(_ prompt: String) async throws -> [UInt8] {
                let prediction = try sim.prediction(
                    try await sim.call(
                        .post, "/v1/models/google/imagen-4-fast/predictions", json: #"{"input": {"prompt": "\#(prompt)"}}"#,
                        headers: [.prefer: "wait"]
                    )
                )
                let url = try #require(prediction.outputURLs.first)
                return Array(try await sim.call(.get, String(url[url.range(of: "/files/")!.lowerBound...]), token: nil).body.readableBytesView)
            }
            let a = try await render("a cat")
            #expect(try await render("a cat") == a)
            #expect(try await render("a dog") != a)
        }
    }

    @Test("data: output mode returns base64 data URIs")
    func dataURIs() async throws {
        var scenario = Scenario(timeScale: 0)
        scenario.outputMode = "data"
        try await withSimulator(scenario) { sim in
            let prediction = try sim.prediction(
                try await sim.call(
                    .post, "/v1/models/google/imagen-4-fast/predictions", json: #"{"input": {"prompt": "x"}}"#, headers: [.prefer: "wait"])
            )
            #expect(prediction.outputURLs.first?.hasPrefix("data:image/png;base64,") == true)
        }
    }

    @Test("After retention, output is removed: data_removed, null output, files gone")
    func retention() async throws {
        var scenario = Scenario(timeScale: 0)
        scenario.retentionSeconds = 0.2
        try await withSimulator(scenario) { sim in
            let prediction = try sim.prediction(
                try await sim.call(
                    .post, "/v1/models/google/imagen-4-fast/predictions", json: #"{"input": {"prompt": "x"}}"#, headers: [.prefer: "wait"])
            )
            let url = try #require(prediction.outputURLs.first)
            try await eventually("the output's retention to pass") {
                try sim.prediction(try await sim.call(.get, "/v1/predictions/\(prediction.id)")).dataRemoved == true
            }
            let later = try sim.prediction(try await sim.call(.get, "/v1/predictions/\(prediction.id)"))
            #expect(later.dataRemoved == true)
            #expect(later.output == nil)
            #expect(try await sim.call(.get, String(url[url.range(of: "/files/")!.lowerBound...]), token: nil).status == .notFound)
        }
    }

    @Test("Webhook signing matches Replicate's published test vector")
    func signatureTestVector() {
        let signature = WebhookSignature.sign(
            secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", id: "msg_p5jXN8AQM9LWM0D4loKWxJek", timestamp: 1_614_265_330,
            body: Array(#"{"test": 2432232314}"#.utf8)
        )
        #expect(signature == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")
    }

    @Test("Log webhooks arrive while a prediction runs, throttled to one per 500 ms, then the completed one")
    func logWebhooks() async throws {
        let received = WebhookInbox()
        let router = Router()
        router.post("hook") { request, _ in
            let body = try await request.body.collect(upTo: 1 << 20)
            received.add(headers: request.headers, body: Array(body.readableBytesView))
            return Response(status: .noContent)
        }
        try await Application(router: router).test(.ahc(.http)) { receiver in
            try await withSimulator(Scenario(timeScale: 1, latency: ["google/imagen-4-fast": 2])) { sim in
                _ = try await sim.call(
                    .post, "/v1/models/google/imagen-4-fast/predictions",
                    json:
                        #"{"input": {"prompt": "x"}, "webhook": "http://127.0.0.1:\#(receiver.port!)/hook", "webhook_events_filter": ["logs", "completed"]}"#
                )
                let deadline = ContinuousClock.now + .seconds(10)
                while received.statuses.last != .succeeded && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(50)) }
                let statuses = received.statuses
                #expect(statuses.last == .succeeded)
                let during = statuses.dropLast().filter { $0 == .processing }.count
                #expect(during >= 1 && during <= 5, "\(during) log webhooks in 2 s")
            }
        }
    }

    @Test("A completed webhook is delivered with a valid signature over the exact body")
    func webhookDelivery() async throws {
        let received = WebhookInbox()
        let router = Router()
        router.post("hook") { request, _ in
            let body = try await request.body.collect(upTo: 1 << 20)
            received.add(headers: request.headers, body: Array(body.readableBytesView))
            return Response(status: .noContent)
        }
        try await Application(router: router).test(.ahc(.http)) { receiver in
            try await withSimulator { sim in
                let webhook = "http://127.0.0.1:\(receiver.port!)/hook"
                _ = try await sim.call(
                    .post, "/v1/models/google/imagen-4-fast/predictions",
                    json: #"{"input": {"prompt": "x"}, "webhook": "\#(webhook)", "webhook_events_filter": ["completed"]}"#
                )
                let deadline = ContinuousClock.now + .seconds(10)
                while received.count == 0 && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
                let (headers, body) = try #require(received.first)
                let id = try #require(headers[HTTPField.Name("webhook-id")!])
                let timestamp = try #require(headers[HTTPField.Name("webhook-timestamp")!].flatMap { Int($0) })
                let signature = try #require(headers[HTTPField.Name("webhook-signature")!])
                let secret = try sim.object(try await sim.call(.get, "/v1/webhooks/default/secret"))["key"]?.string ?? ""
                #expect(WebhookSignature.verify(secret: secret, id: id, timestamp: timestamp, body: body, signatureHeader: signature))
                let prediction = try JSONDecoder().decode(Prediction.self, from: Data(body))
                #expect(prediction.status == .succeeded)
            }
        }
    }
}

/// Webhooks a test receiver got.
final class WebhookInbox: Sendable {
    private let items = Mutex<[(HTTPFields, [UInt8])]>([])
    func add(headers: HTTPFields, body: [UInt8]) { items.withLock { $0.append((headers, body)) } }
    var count: Int { items.withLock { $0.count } }
    var first: (HTTPFields, [UInt8])? { items.withLock { $0.first } }
    var statuses: [PredictionStatus] {
        items.withLock { $0.compactMap { try? JSONDecoder().decode(Prediction.self, from: Data($0.1)).status } }
    }
}
