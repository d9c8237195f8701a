import AsyncHTTPClient
import Catalog
import Foundation
import NIOCore
import WireFormat

/// Replicate downloads a prediction's file inputs (`image`, `mask`, `image_input`, …) before the model runs, and the
/// prediction fails when one cannot be fetched or is not an image. The simulator does the same, so a link only we can
/// reach (a private address, an expired or deleted file) fails here as it would there.
enum InputFetcher {
    /// The `http(s)` URLs among `input`'s file fields (`data:` URIs travel inside the request).
    static func urls(in input: [String: JSONValue], of model: ModelSpec) -> [String] {
        model.inputs.flatMap { field -> [String] in
            switch (field.kind, input[field.name]) {
            case (.uri, .string(let url)?): [url]
            case (.uriArray, .array(let items)?): items.compactMap(\.string)
            default: []
            }
        }.filter { $0.hasPrefix("http://") || $0.hasPrefix("https://") }
    }

    /// Why one of `urls` cannot be used, as the prediction's error; nil when each answered 200 with an image.
    static func problem(fetching urls: [String]) async -> String? {
        for url in urls {
            do {
                let response = try await HTTPClient.shared.execute(HTTPClientRequest(url: url), timeout: .seconds(10))
                guard response.status == .ok else { return "Failed to download input file \(url): HTTP \(response.status.code)" }
                let head = try await response.body.collect(upTo: 64 << 20).getBytes(at: 0, length: 4) ?? []
                let signatures: [[UInt8]] = [[0x89, 0x50, 0x4E, 0x47], Array("GIF8".utf8), [0xFF, 0xD8, 0xFF], Array("RIFF".utf8)]
                guard signatures.contains(where: head.starts(with:)) else { return "cannot identify image file \(url)" }
            } catch {
                return "Failed to download input file \(url): \(error)"
            }
        }
        return nil
    }
}
