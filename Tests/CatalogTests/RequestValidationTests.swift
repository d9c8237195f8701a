import Catalog
import Foundation
import Generations
import NetworkPolicy
import TestSupport
import Testing
import WireFormat

/// What a request may carry, refused with the field and the reason before anything is written or paid for.
@Suite("Request validation")
struct RequestValidationTests {
    func errors(_ body: [String: JSONValue]) -> [FieldError] {
        do {
            _ = try GenerationRequest.validate(body)
            return []
        } catch {
            return error.errors
        }
    }

    func base(_ model: String = "black-forest-labs/flux-schnell") -> [String: JSONValue] {
        ["prompt": "a lighthouse", "model_id": .string(model)]
    }

    @Test("A NUL character in any text field is refused naming the field", arguments: ["prompt", "negative_prompt", "style"])
    func nulCharacters(field: String) {
        var body = base("recraft-ai/recraft-v3")
        body[field] = "a\u{0}b"
        #expect(errors(body).contains { $0.field == field && $0.message.contains("NUL") })
    }

    @Test(
        "source_image_url must be https to a public host, or a data: image",
        arguments: [
            ("http://example.com/a.png", "https"),
            ("https://169.254.169.254/latest/meta-data", "link-local"),
            ("https://127.0.0.1/a.png", "loopback"),
            ("https://[::1]/a.png", "loopback"),
            ("https://10.1.2.3/a.png", "private"),
            ("https://[64:ff9b::a9fe:a9fe]/a.png", "NAT64"),
            ("https://localhost/a.png", "loopback"),
            ("https://metadata.google.internal/a.png", "local name"),
            ("ftp://example.com/a.png", "https"),
            ("data:text/html;base64,PGgxPg==", "data: URI"),
            ("https://example.com/" + String(repeating: "a", count: 2100), "at most 2048"),
        ])
    func sourceImageRefused(url: String, reason: String) {
        var body = base("black-forest-labs/flux-dev")
        body["source_image_url"] = .string(url)
        let found = errors(body).first { $0.field == "source_image_url" }
        #expect(found?.message.contains(reason) == true, "\(url): \(String(describing: found))")
    }

    @Test("A public https URL and a data: PNG are accepted as source images")
    func sourceImageAccepted() throws {
        for url in ["https://replicate.delivery/pbxt/a.png", "data:image/png;base64,iVBORw0KGgo="] {
            var body = base("black-forest-labs/flux-dev")
            body["source_image_url"] = .string(url)
            #expect(errors(body) == [], "\(url)")
        }
    }

    @Test("model_version must be the version the catalog lists; official models take none")
    func modelVersion() throws {
        let sdxl = try #require(ModelCatalog.all.first { $0.version != nil })
        var pinned = base(sdxl.id)
        pinned["model_version"] = .string(String(repeating: "a", count: 64))
        #expect(errors(pinned).first?.field == "model_version")
        pinned["model_version"] = .string(sdxl.version!)
        #expect(errors(pinned) == [])
        var official = base()
        official["model_version"] = .string(String(repeating: "b", count: 64))
        #expect(errors(official).first?.message.contains("official model") == true)
    }

    @Test("Width and height outside SDXL's range map to the nearest size of the same shape, and the mapping is reported")
    func sdxlSizeMapping() throws {
        let sdxl = try #require(ModelCatalog.model("stability-ai/sdxl"))
        var body = base(sdxl.id)
        body["width"] = .int(4096)
        body["height"] = .int(1024)
        let request = try GenerationRequest.validate(body)
        let built = sdxl.input(for: request)
        guard case .int(let width)? = built.input["width"], case .int(let height)? = built.input["height"] else {
            Issue.record("no size in \(built.input)")
            return
        }
        #expect(width <= 2048 && height >= 256 && width % 8 == 0 && height % 8 == 0)
        #expect(abs(Double(width) / Double(height) - 4) < 0.05)
        #expect(built.warnings.contains { $0.contains("4096x1024 mapped to \(width)x\(height)") })
    }

    @Test(
        "Special-purpose addresses are refused and public ones are not",
        arguments: [
            ("8.8.8.8", nil), ("2606:4700::1111", nil), ("198.18.0.1", "benchmarking"), ("224.0.0.1", "multicast"),
            ("2002:c0a8::1", "6to4"), ("::ffff:10.0.0.1", "IPv4-mapped private"), ("::ffff:8.8.8.8", nil), ("fe80::1", "link-local"),
            ("fd00::1", "unique local"), ("100.64.0.1", "CGNAT"), ("0.0.0.0", "this network"), ("ff02::1", "multicast"),
        ] as [(String, String?)])
    func specialAddresses(address: String, reason: String?) throws {
        let bytes = try #require(SpecialAddress.parse(address))
        if let reason {
            #expect(SpecialAddress.reason(bytes)?.contains(reason) == true, "\(address): \(String(describing: SpecialAddress.reason(bytes)))")
        } else {
            #expect(SpecialAddress.reason(bytes) == nil, "\(address)")
        }
    }
}

extension RequestValidationTests {
    @Test("An explicit guidance_scale of 0 is stored and sent as 0, not replaced by the model's default")
    func guidanceZero() async throws {
        try await TestDatabase.withClient { client, _ in
            let request = try GenerationRequest.validate(["prompt": "x", "model_id": "black-forest-labs/flux-dev", "guidance_scale": .int(0)])
            let store = GenerationStore(client: client, logger: TestDatabase.logger)
            let created = try await store.create(request, userID: UUID(), idempotencyKey: nil, requestHash: "h").generation
            let stored = try #require(try await store.find(created.id))
            let model = try #require(ModelCatalog.model("black-forest-labs/flux-dev"))
            #expect(stored.guidanceScale == 0)
            #expect(model.input(for: stored.request).input["guidance"]?.number == 0)
            // Left out, it is the model's default.
            let defaulted = try await store.create(
                try GenerationRequest.validate(["prompt": "x", "model_id": "black-forest-labs/flux-dev"]), userID: UUID(), idempotencyKey: nil,
                requestHash: "h"
            ).generation
            #expect(model.input(for: defaulted.request).input["guidance"]?.number == model.field("guidance")?.defaultValue?.number)
        }
    }
}
