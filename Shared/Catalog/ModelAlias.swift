import Foundation

/// A model experiment: a name clients ask for (`fast`) that runs one of several models by weight. The choice is sticky
/// per user (the same user always gets the same variant while the weights stand) and recorded on the generation.
package struct ModelAlias: Sendable, Equatable {
    package struct Variant: Sendable, Equatable {
        package var modelID: String
        /// Relative weight (any positive numbers; 90 and 10 split 90 % / 10 %).
        package var weight: Int
    }

    package var name: String
    package var variants: [Variant]

    /// The aliases clients may ask for (data: edit here).
    package static let all: [ModelAlias] = [
        ModelAlias(
            name: "fast",
            variants: [.init(modelID: "black-forest-labs/flux-schnell", weight: 90), .init(modelID: "bytedance/sdxl-lightning-4step", weight: 10)]),
        ModelAlias(
            name: "quality",
            variants: [.init(modelID: "black-forest-labs/flux-1.1-pro", weight: 50), .init(modelID: "google/imagen-4-fast", weight: 50)]),
    ]

    package static func named(_ name: String) -> ModelAlias? { all.first { $0.name == name } }

    /// The variant `user` runs: a stable hash of the user and the alias picks a point in the weights.
    package func variant(for user: UUID) -> String {
        let total = variants.map(\.weight).reduce(0, +)
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325  // FNV-1a: stable across processes and releases, unlike Hasher
        for byte in Array("\(name):\(user.uuidString.lowercased())".utf8) {
            hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3
        }
        var point = Int(hash % UInt64(max(total, 1)))
        for variant in variants {
            if point < variant.weight { return variant.modelID }
            point -= variant.weight
        }
        return variants[0].modelID
    }
}
