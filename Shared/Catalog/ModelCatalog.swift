import WireFormat

/// Every model the platform offers. Facts from Replicate's published schemas (see README's catalog notes);
/// entries marked uncertain there are plain data here, easy to correct.
package enum ModelCatalog {
    /// All models, in display order.
    package static let all: [ModelSpec] = [
        fluxSchnell, fluxDev, fluxKreaDev, flux11Pro, sdxl, sdxlLightning, ideogramV3Turbo, imagen4Fast,
        sd35Large, sd35LargeTurbo, sd35Medium, seedream3, seedream4, recraftV3, recraftV3SVG, qwenImage,
    ]

    private static let byID = Dictionary(uniqueKeysWithValues: all.map { ($0.id, $0) })

    /// The model with Replicate id `id` (`owner/name`), if offered.
    package static func model(_ id: String) -> ModelSpec? { byID[id] }

    /// The model a community version hash belongs to.
    package static func model(version: String) -> ModelSpec? { all.first { $0.version == version } }

    static let fluxRatios = ["1:1", "16:9", "21:9", "3:2", "2:3", "4:5", "5:4", "3:4", "4:3", "9:16", "9:21"]
    static let fluxFormat: [String: JSONValue] = ["output_format": .string("webp"), "output_quality": .int(90)]

    static func fluxInputs(steps: (Int, Int, Int), img2img: Bool) -> [InputField] {
        var inputs: [InputField] = [
            InputField("prompt", .string, required: true),
            InputField("aspect_ratio", .choice(fluxRatios), default: .string("1:1")),
            InputField("num_outputs", .integer(min: 1, max: 4), default: .int(1)),
            InputField("num_inference_steps", .integer(min: steps.0, max: steps.1), default: .int(steps.2)),
            InputField("seed", .integer(min: nil, max: nil)),
            InputField("output_format", .choice(["webp", "jpg", "png"]), default: .string("webp")),
            InputField("output_quality", .integer(min: 0, max: 100), default: .int(80)),
            InputField("disable_safety_checker", .boolean, default: .bool(false)),
            InputField("go_fast", .boolean, default: .bool(true)),
            InputField("megapixels", .choice(["1", "0.25"]), default: .string("1")),
        ]
        if img2img {
            inputs += [
                InputField("image", .uri),
                InputField("prompt_strength", .number(min: 0, max: 1), default: .double(0.8)),
                InputField("guidance", .number(min: 0, max: 10), default: .int(3)),
            ]
        }
        return inputs
    }

    static let fluxSchnell = ModelSpec(
        id: "black-forest-labs/flux-schnell", displayName: "FLUX Schnell", version: nil,
        inputs: fluxInputs(steps: (1, 4, 4), img2img: false), sizing: .aspectRatio(fluxRatios),
        stepsInput: "num_inference_steps", numOutputsInput: "num_outputs", maxOutputs: 4,
        fixedInputs: fluxFormat, outputShape: .array, outputFormat: "webp", typicalSeconds: 1, pricing: .perImage(0.003)
    )

    static let fluxDev = ModelSpec(
        id: "black-forest-labs/flux-dev", displayName: "FLUX Dev", version: nil,
        inputs: fluxInputs(steps: (1, 50, 28), img2img: true), sizing: .aspectRatio(fluxRatios),
        stepsInput: "num_inference_steps", guidanceInput: "guidance", numOutputsInput: "num_outputs", maxOutputs: 4,
        imageInput: "image", strengthInput: "prompt_strength",
        fixedInputs: fluxFormat, outputShape: .array, outputFormat: "webp", typicalSeconds: 3.5, pricing: .perImage(0.025)
    )

    static let fluxKreaDev = ModelSpec(
        id: "black-forest-labs/flux-krea-dev", displayName: "FLUX Krea Dev", version: nil,
        inputs: fluxInputs(steps: (1, 50, 28), img2img: true), sizing: .aspectRatio(fluxRatios),
        stepsInput: "num_inference_steps", guidanceInput: "guidance", numOutputsInput: "num_outputs", maxOutputs: 4,
        imageInput: "image", strengthInput: "prompt_strength",
        fixedInputs: fluxFormat, outputShape: .array, outputFormat: "webp", typicalSeconds: 4.5, pricing: .perImage(0.025)
    )

    static let flux11ProRatios = ["custom", "1:1", "16:9", "3:2", "2:3", "4:5", "5:4", "9:16", "3:4", "4:3"]
    static let flux11Pro = ModelSpec(
        id: "black-forest-labs/flux-1.1-pro", displayName: "FLUX 1.1 Pro", version: nil,
        inputs: [
            InputField("prompt", .string, required: true),
            InputField("aspect_ratio", .choice(flux11ProRatios), default: .string("1:1")),
            InputField("width", .integer(min: 256, max: 1440)),
            InputField("height", .integer(min: 256, max: 1440)),
            InputField("image_prompt", .uri),
            InputField("safety_tolerance", .integer(min: 1, max: 6), default: .int(2)),
            InputField("seed", .integer(min: nil, max: nil)),
            InputField("prompt_upsampling", .boolean, default: .bool(false)),
            InputField("output_format", .choice(["webp", "jpg", "png"]), default: .string("webp")),
            InputField("output_quality", .integer(min: 0, max: 100), default: .int(80)),
        ],
        sizing: .aspectRatio(flux11ProRatios),
        fixedInputs: fluxFormat.merging(["safety_tolerance": .int(2)]) { $1 },
        outputShape: .single, outputFormat: "webp", typicalSeconds: 3.5, pricing: .perImage(0.04)
    )

    static let sdxlSchedulers = ["DDIM", "DPMSolverMultistep", "HeunDiscrete", "KarrasDPM", "K_EULER_ANCESTRAL", "K_EULER", "PNDM"]
    static let sdxl = ModelSpec(
        id: "stability-ai/sdxl", displayName: "SDXL",
        version: "7762fd07cf82c948538e41f63f77d685e02b063e37e496e96eefd46c929f9bdc",
        inputs: [
            InputField("prompt", .string, default: .string("An astronaut riding a rainbow unicorn")),
            InputField("negative_prompt", .string, default: .string("")),
            InputField("image", .uri),
            InputField("mask", .uri),
            InputField("width", .integer(min: nil, max: nil), default: .int(1024)),
            InputField("height", .integer(min: nil, max: nil), default: .int(1024)),
            InputField("num_outputs", .integer(min: 1, max: 4), default: .int(1)),
            InputField("scheduler", .choice(sdxlSchedulers), default: .string("K_EULER")),
            InputField("num_inference_steps", .integer(min: 1, max: 500), default: .int(50)),
            InputField("guidance_scale", .number(min: 1, max: 50), default: .double(7.5)),
            InputField("prompt_strength", .number(min: 0, max: 1), default: .double(0.8)),
            InputField("seed", .integer(min: nil, max: nil)),
            InputField("refine", .choice(["no_refiner", "expert_ensemble_refiner", "base_image_refiner"]), default: .string("no_refiner")),
            InputField("high_noise_frac", .number(min: 0, max: 1), default: .double(0.8)),
            InputField("refine_steps", .integer(min: nil, max: nil)),
            InputField("apply_watermark", .boolean, default: .bool(true)),
            InputField("lora_scale", .number(min: 0, max: 1), default: .double(0.6)),
            InputField("replicate_weights", .string),
            InputField("disable_safety_checker", .boolean, default: .bool(false)),
        ],
        sizing: .widthHeight(min: 256, max: 2048, multiple: 8),
        stepsInput: "num_inference_steps", guidanceInput: "guidance_scale", negativePromptInput: "negative_prompt",
        numOutputsInput: "num_outputs", maxOutputs: 4, imageInput: "image", strengthInput: "prompt_strength", maskInput: "mask",
        outputShape: .array, outputFormat: "png", typicalSeconds: 5, pricing: .perSecond("gpu-l40s")
    )

    static let sdxlLightning = ModelSpec(
        id: "bytedance/sdxl-lightning-4step", displayName: "SDXL Lightning (4-step)",
        version: "5599ed30703defd1d160a25a63321b4dec97101d98b4674bcc56e41f62f35637",
        inputs: [
            InputField("prompt", .string, default: .string("self-portrait of a woman, lightning in the background")),
            InputField("negative_prompt", .string, default: .string("worst quality, low quality")),
            InputField("width", .integer(min: 256, max: 1280), default: .int(1024)),
            InputField("height", .integer(min: 256, max: 1280), default: .int(1024)),
            InputField("num_outputs", .integer(min: 1, max: 4), default: .int(1)),
            InputField("scheduler", .choice(sdxlSchedulers + ["DPM++2MSDE"]), default: .string("K_EULER")),
            InputField("num_inference_steps", .integer(min: 1, max: 10), default: .int(4)),
            InputField("guidance_scale", .number(min: 0, max: 50), default: .int(0)),
            InputField("seed", .integer(min: nil, max: nil), default: .int(0)),
            InputField("disable_safety_checker", .boolean, default: .bool(false)),
        ],
        sizing: .widthHeight(min: 256, max: 1280, multiple: 8),
        stepsInput: "num_inference_steps", guidanceInput: "guidance_scale", negativePromptInput: "negative_prompt",
        numOutputsInput: "num_outputs", maxOutputs: 4,
        outputShape: .array, outputFormat: "png", typicalSeconds: 1, pricing: .perSecond("gpu-l40s")
    )

    static let ideogramRatios = ["1:3", "3:1", "1:2", "2:1", "9:16", "16:9", "10:16", "16:10", "2:3", "3:2", "3:4", "4:3", "4:5", "5:4", "1:1"]
    static let ideogramStyles = ["None", "Auto", "General", "Realistic", "Design"]
    static let ideogramV3Turbo = ModelSpec(
        id: "ideogram-ai/ideogram-v3-turbo", displayName: "Ideogram V3 Turbo", version: nil,
        inputs: [
            InputField("prompt", .string, required: true),
            InputField("aspect_ratio", .choice(ideogramRatios), default: .string("1:1")),
            InputField("resolution", .string, default: .string("None")),
            InputField("magic_prompt_option", .choice(["Auto", "On", "Off"]), default: .string("Auto")),
            InputField("image", .uri),
            InputField("mask", .uri),
            InputField("style_type", .choice(ideogramStyles), default: .string("None")),
            InputField("style_reference_images", .uriArray(maxItems: 10)),
            InputField("style_preset", .string, default: .string("None")),
            InputField("seed", .integer(min: 0, max: 2_147_483_647)),
        ],
        sizing: .aspectRatio(ideogramRatios), styleInput: "style_type", imageInput: "image", maskInput: "mask", imageNeedsMask: true,
        outputShape: .single, outputFormat: "png", typicalSeconds: 5, pricing: .perImage(0.03)
    )

    static let imagenRatios = ["1:1", "9:16", "16:9", "3:4", "4:3"]
    static let imagen4Fast = ModelSpec(
        id: "google/imagen-4-fast", displayName: "Imagen 4 Fast", version: nil,
        inputs: [
            InputField("prompt", .string, required: true),
            InputField("aspect_ratio", .choice(imagenRatios), default: .string("1:1")),
            InputField(
                "safety_filter_level", .choice(["block_low_and_above", "block_medium_and_above", "block_only_high"]),
                default: .string("block_only_high")
            ),
            InputField("output_format", .choice(["jpg", "png"]), default: .string("jpg")),
        ],
        sizing: .aspectRatio(imagenRatios), seedInput: nil,
        fixedInputs: ["output_format": .string("png")],
        outputShape: .single, outputFormat: "png", typicalSeconds: 3, pricing: .perImage(0.02)
    )

    static let sd35Ratios = ["16:9", "1:1", "21:9", "2:3", "3:2", "4:5", "5:4", "9:16", "9:21"]
    static func sd35(_ id: String, _ name: String, cfg: (Double, Double, Double), steps: Bool, seconds: Double, price: Double) -> ModelSpec {
        var inputs: [InputField] = [
            InputField("prompt", .string, required: true),
            InputField("negative_prompt", .string),
            InputField("aspect_ratio", .choice(sd35Ratios), default: .string("1:1")),
            InputField("cfg", .number(min: cfg.0, max: cfg.1), default: .double(cfg.2)),
            InputField("image", .uri),
            InputField("prompt_strength", .number(min: 0, max: 1), default: .double(0.85)),
            InputField("seed", .integer(min: nil, max: nil)),
            InputField("output_format", .choice(["webp", "jpg", "png"]), default: .string("webp")),
        ]
        if steps {
            inputs += [
                InputField("steps", .integer(min: 1, max: 10), default: .int(4)),
                InputField("output_quality", .integer(min: 0, max: 100), default: .int(90)),
            ]
        }
        return ModelSpec(
            id: id, displayName: name, version: nil, inputs: inputs, sizing: .aspectRatio(sd35Ratios),
            stepsInput: steps ? "steps" : nil, guidanceInput: "cfg", negativePromptInput: "negative_prompt",
            imageInput: "image", strengthInput: "prompt_strength", fixedInputs: ["output_format": .string("webp")],
            outputShape: .single, outputFormat: "webp", typicalSeconds: seconds, pricing: .perImage(price)
        )
    }

    static let sd35Large = sd35(
        "stability-ai/stable-diffusion-3.5-large", "Stable Diffusion 3.5 Large", cfg: (1, 10, 5), steps: false, seconds: 7, price: 0.065
    )
    static let sd35LargeTurbo = sd35(
        "stability-ai/stable-diffusion-3.5-large-turbo", "Stable Diffusion 3.5 Large Turbo", cfg: (1, 10, 1), steps: true, seconds: 2,
        price: 0.04
    )
    static let sd35Medium = sd35(
        "stability-ai/stable-diffusion-3.5-medium", "Stable Diffusion 3.5 Medium", cfg: (1, 10, 5), steps: false, seconds: 4.5,
        price: 0.035
    )

    static let seedream3Ratios = ["1:1", "3:4", "4:3", "16:9", "9:16", "2:3", "3:2", "21:9", "custom"]
    static let seedream3 = ModelSpec(
        id: "bytedance/seedream-3", displayName: "SeeDream 3", version: nil,
        inputs: [
            InputField("prompt", .string, required: true),
            InputField("aspect_ratio", .choice(seedream3Ratios), default: .string("16:9")),
            InputField("size", .choice(["small", "regular", "big"]), default: .string("regular")),
            InputField("width", .integer(min: 512, max: 2048), default: .int(2048)),
            InputField("height", .integer(min: 512, max: 2048), default: .int(2048)),
            InputField("guidance_scale", .number(min: 1, max: 10), default: .double(2.5)),
            InputField("seed", .integer(min: nil, max: nil)),
        ],
        sizing: .aspectRatio(seedream3Ratios), guidanceInput: "guidance_scale",
        outputShape: .single, outputFormat: "jpg", typicalSeconds: 10, pricing: .perImage(0.03)
    )

    static let seedream4Ratios = ["match_input_image", "1:1", "4:3", "3:4", "16:9", "9:16", "3:2", "2:3", "21:9"]
    static let seedream4 = ModelSpec(
        id: "bytedance/seedream-4", displayName: "SeeDream 4", version: nil,
        inputs: [
            InputField("prompt", .string, required: true),
            InputField("image_input", .uriArray(maxItems: 10), default: .array([])),
            InputField("size", .choice(["1K", "2K", "4K", "custom"]), default: .string("2K")),
            InputField("aspect_ratio", .choice(seedream4Ratios), default: .string("match_input_image")),
            InputField("width", .integer(min: 1024, max: 4096), default: .int(2048)),
            InputField("height", .integer(min: 1024, max: 4096), default: .int(2048)),
            InputField("sequential_image_generation", .choice(["disabled", "auto"]), default: .string("disabled")),
            InputField("max_images", .integer(min: 1, max: 15), default: .int(1)),
            InputField("enhance_prompt", .boolean, default: .bool(true)),
        ],
        sizing: .resolutionClass(sizes: ["1K": 1024, "2K": 2048, "4K": 4096], aspectRatios: seedream4Ratios),
        seedInput: nil, imageInput: "image_input", imageIsArray: true,
        outputShape: .array, outputFormat: "jpg", typicalSeconds: 14, pricing: .perImage(0.03)
    )

    static let recraftSizes = [
        "1024x1024", "1365x1024", "1024x1365", "1536x1024", "1024x1536", "1820x1024", "1024x1820", "1024x2048", "2048x1024",
        "1434x1024", "1024x1434", "1024x1280", "1280x1024", "1024x1707", "1707x1024",
    ]
    static let recraftRatios = ["Not set", "1:1", "4:3", "3:4", "3:2", "2:3", "16:9", "9:16", "1:2", "2:1", "7:5", "5:7", "4:5", "5:4", "3:5", "5:3"]
    static let recraftStyles = [
        "any", "realistic_image", "digital_illustration", "digital_illustration/pixel_art", "digital_illustration/hand_drawn",
        "digital_illustration/grain", "digital_illustration/infantile_sketch", "digital_illustration/2d_art_poster",
        "digital_illustration/handmade_3d", "digital_illustration/hand_drawn_outline", "digital_illustration/engraving_color",
        "digital_illustration/2d_art_poster_2", "realistic_image/b_and_w", "realistic_image/hard_flash", "realistic_image/hdr",
        "realistic_image/natural_light", "realistic_image/studio_portrait", "realistic_image/enterprise", "realistic_image/motion_blur",
    ]
    static let recraftV3 = ModelSpec(
        id: "recraft-ai/recraft-v3", displayName: "Recraft V3", version: nil,
        inputs: [
            InputField("prompt", .string, required: true),
            InputField("size", .choice(recraftSizes), default: .string("1024x1024")),
            InputField("aspect_ratio", .choice(recraftRatios), default: .string("Not set")),
            InputField("style", .choice(recraftStyles), default: .string("any")),
        ],
        sizing: .sizeChoice(recraftSizes), seedInput: nil, styleInput: "style",
        outputShape: .single, outputFormat: "webp", typicalSeconds: 10, pricing: .perImage(0.04)
    )

    static let recraftV3SVG = ModelSpec(
        id: "recraft-ai/recraft-v3-svg", displayName: "Recraft V3 SVG", version: nil,
        inputs: [
            InputField("prompt", .string, required: true),
            InputField("size", .choice(recraftSizes), default: .string("1024x1024")),
            InputField("aspect_ratio", .choice(recraftRatios), default: .string("Not set")),
            InputField("style", .choice(["any", "engraving", "line_art", "line_circuit", "linocut"]), default: .string("any")),
        ],
        sizing: .sizeChoice(recraftSizes), seedInput: nil, styleInput: "style",
        outputShape: .single, outputFormat: "svg", typicalSeconds: 18, pricing: .perImage(0.08)
    )

    static let qwenRatios = ["1:1", "16:9", "9:16", "4:3", "3:4", "3:2", "2:3"]
    static let qwenImage = ModelSpec(
        id: "qwen/qwen-image", displayName: "Qwen Image", version: nil,
        inputs: [
            InputField("prompt", .string, required: true),
            InputField("enhance_prompt", .boolean, default: .bool(false)),
            InputField("aspect_ratio", .choice(qwenRatios), default: .string("16:9")),
            InputField("image_size", .choice(["optimize_for_quality", "optimize_for_speed"]), default: .string("optimize_for_quality")),
            InputField("image", .uri),
            InputField("strength", .number(min: 0, max: 1), default: .double(0.9)),
            InputField("guidance", .number(min: 0, max: 10), default: .int(3)),
            InputField("num_inference_steps", .integer(min: 1, max: 50), default: .int(30)),
            InputField("go_fast", .boolean, default: .bool(true)),
            InputField("negative_prompt", .string, default: .string(" ")),
            InputField("seed", .integer(min: nil, max: nil)),
            InputField("output_format", .choice(["webp", "jpg", "png"]), default: .string("webp")),
            InputField("output_quality", .integer(min: 0, max: 100), default: .int(80)),
            InputField("lora_weights", .string),
            InputField("lora_scale", .number(min: nil, max: nil), default: .int(1)),
            InputField("disable_safety_checker", .boolean, default: .bool(false)),
        ],
        sizing: .aspectRatio(qwenRatios), stepsInput: "num_inference_steps", guidanceInput: "guidance",
        negativePromptInput: "negative_prompt", imageInput: "image", strengthInput: "strength",
        fixedInputs: fluxFormat, outputShape: .array, outputFormat: "webp", typicalSeconds: 3.5, pricing: .perImage(0.025)
    )
}
