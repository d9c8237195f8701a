import Foundation

/// What operators changed in the compiled catalog at run time (`model_states`, `alias_weights`), as one value: disabled
/// models with why, unit prices, pinned versions of community models, and aliases' weights. Anything absent is the
/// catalog's own.
package struct CatalogOverrides: Sendable, Equatable {
    package var disabled: [String: String] = [:]
    package var prices: [String: Double] = [:]
    package var versions: [String: String] = [:]
    /// Per alias, each variant's weight (a variant not named keeps the catalog's weight).
    package var aliasWeights: [String: [String: Int]] = [:]

    package init(
        disabled: [String: String] = [:], prices: [String: Double] = [:], versions: [String: String] = [:],
        aliasWeights: [String: [String: Int]] = [:]
    ) {
        self.disabled = disabled
        self.prices = prices
        self.versions = versions
        self.aliasWeights = aliasWeights
    }

    /// `model` with its price as overridden (nil: not in the catalog).
    package func model(_ id: String) -> ModelSpec? {
        ModelCatalog.model(id)?.priced(prices[id])
    }

    /// The alias named `name` with its weights as overridden.
    package func alias(named name: String) -> ModelAlias? {
        guard var alias = ModelAlias.named(name) else { return nil }
        if let weights = aliasWeights[name] {
            alias.variants = alias.variants.map { .init(modelID: $0.modelID, weight: weights[$0.modelID] ?? $0.weight) }
        }
        return alias
    }

    /// The aliases with their weights as overridden.
    package var aliases: [ModelAlias] { ModelAlias.all.compactMap { alias(named: $0.name) } }

    /// `request` as it is created now: its model's unit price, and the operator's version of a community model unless
    /// the request named one.
    package func applied(to request: GenerationRequest) -> GenerationRequest {
        var request = request
        request.priceUsd = prices[request.modelId]
        if request.modelVersion == nil, let version = versions[request.modelId] { request.modelVersion = version }
        return request
    }
}

extension ModelSpec {
    /// This model billed at `usd` in its own unit instead of the catalog's price (nil: as it is).
    package func priced(_ usd: Double?) -> ModelSpec {
        guard let usd, var pricing else { return self }
        pricing.usd = usd
        pricing.source = "operator override"
        var model = self
        model.pricing = pricing
        return model
    }
}
