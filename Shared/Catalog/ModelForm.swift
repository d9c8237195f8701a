import Foundation
import WireFormat

/// What a client needs to build a request form for one model: the sizes it renders and the request fields it honours,
/// with the model's own limits (`GET /v1/models`; the console renders its form from this).
package struct RequestParameter: Sendable, Encodable, Equatable {
    /// The request field (`num_inference_steps`, not the model's own input name).
    package var name: String
    /// `integer`, `number`, `string` or `uri`.
    package var type: String
    package var minimum: Double?
    package var maximum: Double?
    package var `default`: JSONValue?
    /// The values the model takes, when it takes a fixed list.
    package var choices: [String]?
}

extension ModelSpec {
    /// `WxH` sizes a request may ask for that this model renders as asked (for aspect-ratio models, each ratio at about
    /// one megapixel; for sized models, common sizes within their range).
    package var sizePresets: [String] {
        switch sizing {
        case .aspectRatio(let ratios):
            return ratios.map { ratio in Self.format(outputDimensions(for: ["aspect_ratio": .string(ratio)])) }
        case .widthHeight(let min, let max, let multiple):
            let common = [(1024, 1024), (1344, 768), (768, 1344), (1152, 896), (896, 1152), (512, 512)]
            var seen = Set<String>()
            return common.map { Self.format(Self.fit(width: $0.0, height: $0.1, min: min, max: max, multiple: multiple)) }
                .filter { seen.insert($0).inserted }
        case .sizeChoice(let sizes):
            return sizes.filter { Self.parseSize($0) != nil }
        case .resolutionClass(let sizes, let ratios):
            let smallest = sizes.min { $0.value < $1.value }?.key ?? "1K"
            return ratios.map { ratio in
                Self.format(outputDimensions(for: ["aspect_ratio": .string(ratio), "size": .string(smallest)]))
            }
        }
    }

    /// The optional request fields this model honours (any other is ignored with a warning), with its limits.
    package var requestParameters: [RequestParameter] {
        func numeric(_ name: String, _ input: String?, type: String) -> RequestParameter? {
            guard let input else { return nil }
            let range = range(of: input)
            return RequestParameter(
                name: name, type: type, minimum: range?.min, maximum: range?.max, default: field(input)?.defaultValue
            )
        }
        func text(_ name: String, _ input: String?) -> RequestParameter? {
            guard let input else { return nil }
            var choices: [String]?
            if case .choice(let values)? = field(input)?.kind { choices = values }
            return RequestParameter(name: name, type: "string", default: field(input)?.defaultValue, choices: choices)
        }
        var parameters = [
            numeric("num_inference_steps", stepsInput, type: "integer"),
            numeric("guidance_scale", guidanceInput, type: "number"),
            text("negative_prompt", negativePromptInput),
            text("style", styleInput),
            numeric("seed", seedInput, type: "integer"),
        ].compactMap { $0 }
        if maxOutputs > 1 {
            parameters.append(RequestParameter(name: "num_outputs", type: "integer", minimum: 1, maximum: Double(maxOutputs), default: .int(1)))
        }
        if imageInput != nil {
            parameters.append(RequestParameter(name: "source_image_url", type: "uri"))
            if let strength = numeric("strength", strengthInput, type: "number") { parameters.append(strength) }
            if maskInput != nil { parameters.append(RequestParameter(name: "mask_image_url", type: "uri")) }
        }
        return parameters
    }

    private static func format(_ size: (width: Int, height: Int)) -> String { "\(size.width)x\(size.height)" }
}
