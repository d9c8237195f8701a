import Foundation
import Storage

/// A generation as the API returns it (`GET /v1/generations/{id}`, and the body of its webhooks), with its stored images.
package struct GenerationResponse: Encodable, Sendable {
    package var generation: Generation
    package var images: [StoredImage]

    /// `links` makes each image's `public_url` a link a client can fetch now (signed and expiring, unless public).
    package init(generation: Generation, images: [StoredImage], links: FileLinks) {
        self.generation = generation
        self.images = images.map { $0.linked(by: links) }
    }

    package func encode(to encoder: any Encoder) throws {
        try generation.encode(to: encoder)
        var container = encoder.container(keyedBy: Keys.self)
        try container.encode(images, forKey: .images)
    }
    enum Keys: String, CodingKey { case images }
}
