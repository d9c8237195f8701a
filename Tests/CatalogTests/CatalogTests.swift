import Catalog
import Foundation
import Generations
import ReplicateAPI
import ServiceKit
import Testing
import WireFormat

@Suite("Model catalog")
struct CatalogTests {
    /// Requests a client really sends: square, the apps' odd presets (7:4, 9:7, 12:5, …), explicit steps and guidance.
    static let sizes = [
        (1024, 1024), (1344, 768), (768, 1344), (1152, 896), (1216, 832), (1536, 640), (640, 1536), (512, 512), (2048, 512), (4096, 4096),
        (64, 64), (100, 3000),
    ]

    @Test("Every model's mapped input satisfies that model's own schema, for every common size", arguments: ModelCatalog.all.map(\.id))
    func mappedInputsAreValid(model id: String) throws {
        let model = try #require(ModelCatalog.model(id))
        for (width, height) in Self.sizes {
            let body: [String: JSONValue] = [
                "prompt": .string("a lighthouse"), "model_id": .string(id), "width": .int(width), "height": .int(height), "seed": .int(7),
            ]
            let request = try GenerationRequest.validate(body)
            let built = model.input(for: request)
            #expect(model.inputs.violations(of: built.input).isEmpty, "\(id) \(width)x\(height): \(model.inputs.violations(of: built.input))")
        }
    }

    @Test("Steps, guidance, negative prompt, img2img and several outputs map to each model's own input names", arguments: ModelCatalog.all.map(\.id))
    func richRequestsAreValid(model id: String) throws {
        let model = try #require(ModelCatalog.model(id))
        var body: [String: JSONValue] = ["prompt": .string("a fox"), "model_id": .string(id), "negative_prompt": .string("blurry")]
        if let range = model.range(of: model.stepsInput), let upper = range.max { body["num_inference_steps"] = .int(Int(min(upper, 4))) }
        if let range = model.range(of: model.guidanceInput) { body["guidance_scale"] = .double(max(range.min ?? 0, 2)) }
        if model.supportsImageToImage {
            body["source_image_url"] = .string("https://example.com/source.png")
            body["strength"] = .double(0.6)
            if model.maskInput != nil { body["mask_image_url"] = .string("https://example.com/mask.png") }
        }
        if model.maxOutputs > 1 { body["num_outputs"] = .int(2) }
        let request = try GenerationRequest.validate(body)
        let built = model.input(for: request)
        #expect(model.inputs.violations(of: built.input).isEmpty, "\(id): \(model.inputs.violations(of: built.input))")
        if let steps = model.stepsInput { #expect(built.input[steps] != nil) }
        if let guidance = model.guidanceInput { #expect(built.input[guidance] != nil) }
        if let image = model.imageInput { #expect(built.input[image] != nil) }
        if let mask = model.maskInput { #expect(built.input[mask] == .string("https://example.com/mask.png")) }
        if model.negativePromptInput == nil { #expect(built.warnings.contains { $0.hasPrefix("negative_prompt") }) }
    }

    @Test(
        "Each size a model lists renders as asked, and each parameter it lists reaches its input within its limits",
        arguments: ModelCatalog.all.map(\.id))
    func clientForm(model id: String) throws {
        let model = try #require(ModelCatalog.model(id))
        #expect(!model.sizePresets.isEmpty)
        for preset in model.sizePresets {
            let size = try #require(ModelSpec.parseSize(preset))
            let request = try GenerationRequest.validate(
                ["prompt": .string("x"), "model_id": .string(id), "width": .int(size.width), "height": .int(size.height)]
            )
            let input = model.input(for: request)
            #expect(input.warnings.isEmpty, "\(id) \(preset): \(input.warnings)")
            #expect(model.outputDimensions(for: input.input) == size, "\(id) \(preset)")
        }
        var body: [String: JSONValue] = ["prompt": .string("x"), "model_id": .string(id)]
        for parameter in model.requestParameters {
            switch parameter.type {
            case "integer": body[parameter.name] = .int(Int(parameter.maximum ?? 1000).clamped(to: 0...4))
            case "number": body[parameter.name] = .double(parameter.maximum ?? 1)
            case "uri": body[parameter.name] = .string("https://example.com/source.png")
            default: body[parameter.name] = .string(parameter.choices?.last ?? "blurry")
            }
        }
        let request = try GenerationRequest.validate(body)
        let built = model.input(for: request)
        #expect(built.warnings.isEmpty, "\(id): \(built.warnings)")
        #expect(model.inputs.violations(of: built.input).isEmpty, "\(id): \(model.inputs.violations(of: built.input))")
        let listed = Set(model.requestParameters.map(\.name))
        for field in ["num_inference_steps", "guidance_scale", "negative_prompt"] where !listed.contains(field) {
            var other: [String: JSONValue] = ["prompt": .string("x"), "model_id": .string(id)]
            other[field] = field == "negative_prompt" ? .string("x") : .int(2)
            let ignored = model.input(for: try GenerationRequest.validate(other))
            #expect(ignored.warnings.contains { $0.hasPrefix(field) }, "\(id) \(field)")
        }
    }

    @Test("Odd aspect ratios map to the nearest supported one, never passed through")
    func nearestRatio() throws {
        let schnell = try #require(ModelCatalog.model("black-forest-labs/flux-schnell"))
        let request = try GenerationRequest.validate([
            "prompt": .string("x"), "model_id": .string(schnell.id), "width": .int(1344), "height": .int(768),
        ])
        #expect(schnell.input(for: request).input["aspect_ratio"] == .string("16:9"))
        let imagen = try #require(ModelCatalog.model("google/imagen-4-fast"))
        let wide = try GenerationRequest.validate(["prompt": .string("x"), "model_id": .string(imagen.id), "width": .int(1536), "height": .int(640)])
        #expect(imagen.input(for: wide).input["aspect_ratio"] == .string("16:9"))
        let recraft = try #require(ModelCatalog.model("recraft-ai/recraft-v3"))
        let tall = try GenerationRequest.validate(["prompt": .string("x"), "model_id": .string(recraft.id), "width": .int(768), "height": .int(1344)])
        #expect(recraft.input(for: tall).input["size"] == .string("1024x1820"))
    }

    @Test("Requests a model cannot serve are rejected naming the field and the allowed values")
    func invalidRequests() {
        func errors(_ body: [String: JSONValue]) -> [Problem.FieldError] {
            do {
                _ = try GenerationRequest.validate(body)
                return []
            } catch {
                return error.errors
            }
        }
        let lightning = errors([
            "prompt": .string("x"), "model_id": .string("bytedance/sdxl-lightning-4step"), "num_inference_steps": .int(30), "width": .int(2000),
        ])
        #expect(lightning.map(\.field).sorted() == ["num_inference_steps"])
        #expect(lightning.first { $0.field == "num_inference_steps" }?.message.contains("at most 10") == true)
        let img2img = errors([
            "prompt": .string("x"), "model_id": .string("google/imagen-4-fast"), "source_image_url": .string("https://e.com/a.png"),
        ])
        #expect(img2img.first?.message.contains("does not support image-to-image") == true)
        let style = errors(["prompt": .string("x"), "model_id": .string("recraft-ai/recraft-v3-svg"), "style": .string("oil")])
        #expect(style.first?.message.contains("line_art") == true)
        let outputs = errors(["prompt": .string("x"), "model_id": .string("black-forest-labs/flux-1.1-pro"), "num_outputs": .int(3)])
        #expect(outputs.first?.field == "num_outputs")
        let types = errors(["prompt": .int(3), "model_id": .string("black-forest-labs/flux-schnell"), "seed": .string("x"), "strength": .double(2)])
        #expect(Set(types.map(\.field)) == ["prompt", "seed", "strength"])
        #expect(errors(["model_id": .string("black-forest-labs/flux-schnell")]).map(\.field) == ["prompt"])
    }

    @Test("safety_level maps onto each model's own safety input; output_format reaches the models that take it, and others refuse it")
    func safetyAndFormat() throws {
        func built(_ id: String, _ extra: [String: JSONValue]) throws -> [String: JSONValue] {
            let model = try #require(ModelCatalog.model(id))
            return model.input(for: try GenerationRequest.validate(["prompt": .string("x"), "model_id": .string(id)].merging(extra) { $1 })).input
        }
        #expect(try built("google/imagen-4-fast", ["safety_level": .string("strict")])["safety_filter_level"] == .string("block_low_and_above"))
        #expect(try built("black-forest-labs/flux-1.1-pro", ["safety_level": .string("relaxed")])["safety_tolerance"] == .int(5))
        #expect(try built("black-forest-labs/flux-1.1-pro", [:])["safety_tolerance"] == .int(2))
        #expect(try built("stability-ai/sdxl", ["safety_level": .string("standard")])["disable_safety_checker"] == .bool(false))
        #expect(try built("stability-ai/sdxl", ["safety_level": .string("relaxed")])["disable_safety_checker"] == .bool(true))
        #expect(try built("google/imagen-4-fast", ["output_format": .string("jpg")])["output_format"] == .string("jpg"))
        #expect(throws: ValidationFailure.self) {
            try GenerationRequest.validate(["prompt": .string("x"), "model_id": .string("google/imagen-4-fast"), "output_format": .string("webp")])
        }
        #expect(throws: ValidationFailure.self) {
            try GenerationRequest.validate(["prompt": .string("x"), "model_id": .string("stability-ai/sdxl"), "safety_level": .string("lax")])
        }
        #expect(GenerationFailure.isSafetyRefusal("NSFW content detected. Try running it again, or try a different prompt."))
        #expect(!GenerationFailure.isSafetyRefusal("CUDA out of memory"))
    }
}

extension Comparable {
    fileprivate func clamped(to range: ClosedRange<Self>) -> Self { min(max(self, range.lowerBound), range.upperBound) }

}
