/// How Replicate bills a model, and where and when that price was read. Prices change: they are data, easy to correct.
package struct Pricing: Sendable, Equatable {
    package enum Unit: Sendable, Equatable {
        /// Per output image (Replicate's official image models).
        case image
        /// Per second of `predict_time` on the named hardware (community models run on public hardware).
        case second(hardware: String)
        /// Per output megapixel.
        case megapixel
    }

    package var unit: Unit
    package var usd: Double
    /// Where and when the price was read.
    package var source: String

    package init(unit: Unit, usd: Double, source: String) {
        self.unit = unit
        self.usd = usd
        self.source = source
    }

    /// Per-image prices as the research notes recorded them from the models' pages.
    package static func perImage(_ usd: Double) -> Pricing { Pricing(unit: .image, usd: usd, source: "model page, per the 2025 research notes") }

    /// Per-second prices of Replicate's public hardware (replicate.com/pricing, read 2026-11-30).
    package static func perSecond(_ hardware: String) -> Pricing? {
        let prices = [
            "gpu-t4": 0.000225, "gpu-a40-small": 0.000575, "gpu-a40-large": 0.000725, "gpu-l40s": 0.000975, "gpu-a100-large": 0.0014,
            "gpu-h100": 0.001525,
        ]
        return prices[hardware].map { Pricing(unit: .second(hardware: hardware), usd: $0, source: "replicate.com/pricing, read 2026-11-30") }
    }

    /// The cost of a finished prediction from Replicate's own figures (`outputs` delivered, `metrics.predict_time`, the
    /// size asked for); nil when a figure it needs is missing, never a guess.
    package func cost(outputs: Int, predictTime: Double?, width: Int, height: Int) -> Double? {
        switch unit {
        case .image: return usd * Double(outputs)
        case .second: return predictTime.map { usd * $0 }
        case .megapixel: return usd * Double(width * height) / 1_000_000 * Double(outputs)
        }
    }

    /// What a request is expected to cost: what a running generation reserves against its user's budget.
    package func expectedCost(outputs: Int, typicalSeconds: Double, width: Int, height: Int) -> Double {
        cost(outputs: outputs, predictTime: typicalSeconds, width: width, height: height) ?? 0
    }
}

extension ModelSpec {
    /// The cost of this model's finished prediction, or nil when unknown (see ``Pricing/cost(outputs:predictTime:width:height:)``).
    package func cost(outputs: Int, predictTime: Double?, width: Int, height: Int) -> Double? {
        pricing?.cost(outputs: outputs, predictTime: predictTime, width: width, height: height)
    }

    /// What a request for `outputs` images of `width`×`height` is expected to cost; 0 when the price is unknown.
    package func expectedCost(outputs: Int, width: Int, height: Int) -> Double {
        pricing?.expectedCost(outputs: outputs, typicalSeconds: typicalSeconds, width: width, height: height) ?? 0
    }

    /// The price of one image at 1024×1024 at the typical time, for listings.
    package var pricePerImage: Double? { pricing.map { $0.expectedCost(outputs: 1, typicalSeconds: typicalSeconds, width: 1024, height: 1024) } }
}

extension GenerationRequest {
    /// What this request is expected to cost at its price (its reservation against budgets while it runs); 0 when the price
    /// is unknown.
    package var expectedCost: Double {
        ModelCatalog.model(modelId)?.priced(priceUsd).expectedCost(outputs: numOutputs, width: width, height: height) ?? 0
    }
}
