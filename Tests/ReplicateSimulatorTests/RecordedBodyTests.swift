import Catalog
import Foundation
import HTTPTypes
import ReplicateAPI
import Testing
import WireFormat

/// The wire as Replicate really speaks it: bodies recorded from the real API (RecordedBodies/README.md) decode into the
/// client's types with every figure kept, and every field the simulator emits has the name and JSON type the real API
/// uses, so the simulator and the client cannot agree on a mistake.
@Suite("Recorded Replicate bodies")
struct RecordedBodyTests {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("RecordedBodies")
    static let names = ["succeeded-list-output", "canceled-with-metrics", "processing", "data-uri-output-shortened", "docs-get-succeeded"]

    func body(_ name: String) throws -> Data { try Data(contentsOf: Self.directory.appendingPathComponent("\(name).json")) }

    @Test("Recorded bodies decode with metrics, outputs, tqdm progress and data_removed")
    func decode() throws {
        let decoder = JSONDecoder()
        let succeeded = try decoder.decode(Prediction.self, from: body("succeeded-list-output"))
        #expect(succeeded.status == .succeeded)
        #expect(succeeded.metrics?.predictTime == 3.804328)
        #expect(succeeded.outputURLs.count == 1 && succeeded.outputURLs[0].hasPrefix("https://replicate.delivery/"))
        #expect(succeeded.progressPercent == 100)
        let cancelled = try decoder.decode(Prediction.self, from: body("canceled-with-metrics"))
        #expect(cancelled.status == .canceled && cancelled.metrics == .init(predictTime: 0.128148, totalTime: 0.175128))
        #expect(cancelled.outputURLs.isEmpty && cancelled.logs == nil)
        let running = try decoder.decode(Prediction.self, from: body("processing"))
        #expect(running.status == .processing && running.metrics == nil && running.startedAt != nil)
        let inline = try decoder.decode(Prediction.self, from: body("data-uri-output-shortened"))
        #expect(inline.dataRemoved == false && inline.outputURLs.first?.hasPrefix("data:image/png;base64,") == true)
        // Encoding writes Replicate's names back.
        let encoded = try JSONDecoder().decode(JSONValue.self, from: JSONEncoder().encode(cancelled))
        guard case .object(let fields) = encoded, case .object(let metrics)? = fields["metrics"] else {
            Issue.record("no metrics object in \(encoded)")
            return
        }
        #expect(Set(metrics.keys) == ["predict_time", "total_time"])
    }

    @Test("The cost of a recorded prediction comes from Replicate's own figures; unknown stays unknown")
    func cost() throws {
        let recorded = try JSONDecoder().decode(Prediction.self, from: body("succeeded-list-output"))
        let sdxl = try #require(ModelCatalog.model("stability-ai/sdxl"))
        #expect(sdxl.pricing?.unit == .second(hardware: "gpu-l40s"))
        let cost = try #require(sdxl.cost(outputs: recorded.outputURLs.count, predictTime: recorded.metrics?.predictTime, width: 512, height: 512))
        #expect(abs(cost - 3.804328 * 0.000975) < 1e-12)
        #expect(sdxl.cost(outputs: 1, predictTime: nil, width: 512, height: 512) == nil)
        let schnell = try #require(ModelCatalog.model("black-forest-labs/flux-schnell"))
        #expect(schnell.cost(outputs: 4, predictTime: nil, width: 1024, height: 1024) == 4 * 0.003)
        let megapixel = Pricing(unit: .megapixel, usd: 0.01, source: "test")
        #expect(megapixel.cost(outputs: 2, predictTime: nil, width: 2000, height: 1000) == 0.04)
        #expect(sdxl.expectedCost(outputs: 1, width: 1024, height: 1024) == sdxl.typicalSeconds * 0.000975)
    }

    @Test("Every field the simulator emits has the real API's name and JSON type")
    func simulatorMatchesRealNames() async throws {
        /// Each path (`metrics.predict_time`) the real bodies have, with the JSON types seen there.
        var recorded: [String: Set<String>] = [:]
        for name in Self.names { Self.collect(try JSONDecoder().decode(JSONValue.self, from: body(name)), "", into: &recorded) }
        let real = recorded
        try await withSimulator { sim in
            let response = try await sim.call(
                .post, "/v1/models/black-forest-labs/flux-schnell/predictions", json: #"{"input": {"prompt": "a cat"}}"#, headers: [.prefer: "wait=5"]
            )
            var emitted: [String: Set<String>] = [:]
            Self.collect(try JSONDecoder().decode(JSONValue.self, from: Data(buffer: response.body)), "", into: &emitted)
            #expect(emitted["metrics.predict_time"] == ["number"])
            for (path, kinds) in emitted where path != "" {
                let seen = try #require(real[path], "the simulator emits \(path), which no recorded body has")
                for kind in kinds where kind != "null" {
                    #expect(seen.contains(kind) || seen == ["null"], "\(path) is \(kind) in the simulator, \(seen.sorted()) in the real API")
                }
            }
        }
    }
}

extension RecordedBodyTests {
    /// Notes the JSON type of `value` at `path`, and of the fields of the top level, `metrics` and `urls`.
    static func collect(_ value: JSONValue, _ path: String, into table: inout [String: Set<String>]) {
        table[path, default: []].insert(value.kind)
        if case .object(let fields) = value, ["", "metrics", "urls"].contains(path) {
            for (key, child) in fields { collect(child, path.isEmpty ? key : "\(path).\(key)", into: &table) }
        }
    }
}

extension JSONValue {
    /// The JSON type's name.
    fileprivate var kind: String {
        switch self {
        case .null: "null"
        case .bool: "boolean"
        case .int, .double: "number"
        case .string: "string"
        case .array: "array"
        case .object: "object"
        }
    }
}
