import Foundation
import WireFormat

/// The Replicate input built for one request, with notes on request fields the model has no input for.
package struct ModelInput: Sendable, Equatable {
    package var input: [String: JSONValue]
    package var warnings: [String]
}

extension ModelSpec {
    /// Maps `request` onto this model's own input names, sizes and formats.
    package func input(for request: GenerationRequest) -> ModelInput {
        var input: [String: JSONValue] = ["prompt": .string(request.prompt)]
        var warnings: [String] = []
        func set(_ name: String?, _ value: JSONValue?, field: String) {
            guard let value else { return }
            if let name { input[name] = value } else { warnings.append("\(field) is not an input of \(id); ignored") }
        }
        switch sizing {
        case .aspectRatio(let ratios):
            input["aspect_ratio"] = .string(Self.nearestRatio(width: request.width, height: request.height, among: ratios))
        case .widthHeight(let min, let max, let multiple):
            let (width, height) = Self.fit(width: request.width, height: request.height, min: min, max: max, multiple: multiple)
            input["width"] = .int(width)
            input["height"] = .int(height)
            if (width, height) != (request.width, request.height) {
                warnings.append(
                    "\(request.width)x\(request.height) mapped to \(width)x\(height) (\(displayName) takes \(min) to \(max) in multiples of \(multiple))"
                )
            }
        case .sizeChoice(let sizes):
            input["size"] = .string(Self.nearestSize(width: request.width, height: request.height, among: sizes))
        case .resolutionClass(let sizes, let ratios):
            // The classes are pixel counts (1K is about 1024×1024 at any ratio, give or take the rounding of its sides):
            // the smallest that holds the request's.
            let area = request.width * request.height
            let name =
                sizes.sorted { $0.value < $1.value }.first { $0.value * $0.value * 51 / 50 >= area }?.key ?? sizes.max { $0.value < $1.value }!.key
            input["size"] = .string(name)
            input["aspect_ratio"] = .string(Self.nearestRatio(width: request.width, height: request.height, among: ratios))
        }
        set(stepsInput, request.numInferenceSteps.map(JSONValue.int), field: "num_inference_steps")
        set(guidanceInput, request.guidanceScale.map(JSONValue.double), field: "guidance_scale")
        set(seedInput, request.seed.map(JSONValue.int), field: "seed")
        set(negativePromptInput, request.negativePrompt.map(JSONValue.string), field: "negative_prompt")
        set(styleInput, request.style.map(JSONValue.string), field: "style")
        if request.numOutputs > 1 { set(numOutputsInput, .int(request.numOutputs), field: "num_outputs") }
        if let source = request.sourceImageUrl, let imageInput {
            input[imageInput] = imageIsArray ? .array([.string(source)]) : .string(source)
            set(strengthInput, request.strength.map(JSONValue.double), field: "strength")
            if let mask = request.maskImageUrl, let maskInput { input[maskInput] = .string(mask) }
        }
        for (name, value) in fixedInputs { input[name] = value }
        // What the request asks of safety and format wins over the catalog's fixed choices.
        if let level = request.safetyLevel {
            if let (name, value) = safetyInput(level) {
                input[name] = value
            } else {
                warnings.append("safety_level is not an input of \(id) (its own checker applies); ignored")
            }
        }
        if let format = request.outputFormat, field("output_format") != nil { input["output_format"] = .string(format) }
        return ModelInput(input: input, warnings: warnings)
    }

    /// The pixel size of each output for `input`, as the model would render it.
    package func outputDimensions(for input: [String: JSONValue]) -> (width: Int, height: Int) {
        if case .int(let width)? = input["width"], case .int(let height)? = input["height"], input["aspect_ratio"] == nil {
            return (width, height)
        }
        if let size = input["size"]?.string, let parsed = Self.parseSize(size) { return parsed }
        var area = 1024.0 * 1024.0
        if case .resolutionClass(let sizes, _) = sizing, let name = input["size"]?.string, let side = sizes[name] {
            area = Double(side * side)
        }
        let ratioText = input["aspect_ratio"]?.string ?? field("aspect_ratio")?.defaultValue?.string ?? "1:1"
        let ratio = Self.ratioValue(ratioText) ?? 1
        let width = Int((sqrt(area * ratio) / 16).rounded()) * 16
        let height = Int((sqrt(area / ratio) / 16).rounded()) * 16
        return (width, height)
    }

    /// The list entry whose ratio is closest to width:height (in log space, so 2:1 and 1:2 are equally far from 1:1).
    static func nearestRatio(width: Int, height: Int, among ratios: [String]) -> String {
        let target = log(Double(width) / Double(height))
        return ratios.compactMap { text in ratioValue(text).map { (text, abs(log($0) - target)) } }
            .min { $0.1 < $1.1 }?.0 ?? ratios[0]
    }

    static func nearestSize(width: Int, height: Int, among sizes: [String]) -> String {
        let target = log(Double(width) / Double(height))
        return sizes.compactMap { text in parseSize(text).map { (text, abs(log(Double($0.width) / Double($0.height)) - target)) } }
            .min { $0.1 < $1.1 }?.0 ?? sizes[0]
    }

    /// The size nearest `width`×`height` with the same aspect ratio (as near as the range allows) whose sides are
    /// multiples of `multiple` within `min...max`.
    static func fit(width: Int, height: Int, min: Int, max: Int, multiple: Int) -> (width: Int, height: Int) {
        var scale = 1.0
        let longest = Double(Swift.max(width, height))
        let shortest = Double(Swift.min(width, height))
        if longest * scale > Double(max) { scale = Double(max) / longest }
        if shortest * scale < Double(min) { scale = Double(min) / shortest }
        func side(_ value: Int) -> Int {
            let scaled = Int((Double(value) * scale / Double(multiple)).rounded()) * multiple
            return Swift.min(Swift.max(scaled, (min + multiple - 1) / multiple * multiple), max / multiple * multiple)
        }
        return (side(width), side(height))
    }

    static func ratioValue(_ text: String) -> Double? {
        let parts = text.split(separator: ":")
        guard parts.count == 2, let a = Double(parts[0]), let b = Double(parts[1]), b > 0 else { return nil }
        return a / b
    }

    package static func parseSize(_ text: String) -> (width: Int, height: Int)? {
        let parts = text.split(separator: "x")
        guard parts.count == 2, let width = Int(parts[0]), let height = Int(parts[1]) else { return nil }
        return (width, height)
    }
}
