import WireFormat

/// One Replicate model the platform can run: its real input schema and how our request maps onto it.
package struct ModelSpec: Sendable {
    /// How the model takes the output size.
    package enum Sizing: Sendable {
        /// `aspect_ratio` from a fixed list (values like `custom` are never chosen).
        case aspectRatio([String])
        /// `width` and `height` within a range, rounded to `multiple`.
        case widthHeight(min: Int, max: Int, multiple: Int)
        /// `size` from a list of `WxH` values.
        case sizeChoice([String])
        /// `size` as a resolution class (`1K`, `2K`, `4K`) plus `aspect_ratio`.
        case resolutionClass(sizes: [String: Int], aspectRatios: [String])
    }

    /// Whether `output` is a single URL or an array of URLs.
    package enum OutputShape: String, Sendable, Codable { case single, array }

    /// Replicate `owner/name`.
    package var id: String
    package var displayName: String
    /// A 64-hex version for community models (run via `POST /v1/predictions`); nil for official models.
    package var version: String?
    package var inputs: [InputField]
    package var sizing: Sizing
    /// The model's own names for our request fields; nil where the model has no such input.
    package var stepsInput: String?
    package var guidanceInput: String?
    package var seedInput: String? = "seed"
    package var negativePromptInput: String?
    package var numOutputsInput: String?
    package var maxOutputs: Int = 1
    package var styleInput: String?
    /// The source-image input for img2img; `imageIsArray` when it takes a list (`image_input`).
    package var imageInput: String?
    package var imageIsArray = false
    package var strengthInput: String?
    /// The inpainting mask's input, for models that take one; `imageNeedsMask` when the model edits an image only by
    /// inpainting (a source image without a mask is refused).
    package var maskInput: String?
    package var imageNeedsMask = false
    /// Inputs always sent (output format and quality, safety settings).
    package var fixedInputs: [String: JSONValue] = [:]
    package var outputShape: OutputShape
    /// File extension of outputs: `png`, `webp`, `jpg`, `svg`.
    package var outputFormat: String
    /// Typical prediction time in seconds (drives the simulator and the generator's deadline).
    package var typicalSeconds: Double
    /// How Replicate bills it; nil when unknown (then costs stay unknown, never 0).
    package var pricing: Pricing?

    /// True for official models, run at `/v1/models/{owner}/{name}/predictions`.
    package var isOfficial: Bool { version == nil }
    /// Whether the model can start from a source image.
    package var supportsImageToImage: Bool { imageInput != nil }

    /// The schema entry for `name`.
    package func field(_ name: String) -> InputField? { inputs.first { $0.name == name } }

    /// The allowed range of a numeric input, as doubles.
    package func range(of name: String?) -> (min: Double?, max: Double?)? {
        guard let name, let field = field(name) else { return nil }
        switch field.kind {
        case .integer(let min, let max): return (min.map(Double.init), max.map(Double.init))
        case .number(let min, let max): return (min, max)
        default: return nil
        }
    }
}
