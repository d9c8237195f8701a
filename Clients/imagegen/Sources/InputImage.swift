import Foundation
import PublicAPI
import WireFormat

/// `--image` and `--mask`: a URL, a `data:` URI or an uploaded file's id is sent as it is; a local file is uploaded
/// first (`POST /v1/files`, its type judged by the gateway from its bytes) and named by its id.
enum InputImage {
    static func reference(_ value: String, flag: String, client: APIClient) async throws -> String {
        if value.hasPrefix("https://") || value.hasPrefix("http://") || value.hasPrefix("data:") || UUID(uuidString: value) != nil {
            return value
        }
        let path = (value as NSString).expandingTildeInPath
        guard let bytes = FileManager.default.contents(atPath: path) else {
            throw CLIError.usage("\(flag) \(value): no such file (give a local image, an https URL or an uploaded file's id)")
        }
        let data = try await client.send(.POST, "/v1/files", body: ("application/octet-stream", bytes))
        let file = try decode(InputFileBody.self, data, from: "/v1/files")
        return file.id.lowercase
    }
}
