import Foundation
import Generations
import Hummingbird
import HummingbirdTesting
import JobContract
import TestSupport
import Testing

/// `delete-files`: the downloader, which owns the files, removes a deleted generation's.
extension DownloadJobTests {
    @Test("delete-files removes the stored files it names (again: still done), and never a path outside the storage layout")
    func deleteFiles() async throws {
        try await withHarness { h in
            let id = UUID().uuidString.lowercased()
            let ours = ["\(id.prefix(2))/\(id).png", "\(id.prefix(2))/\(id)-1.png"]
            let foreign = "notes/keep.txt"
            for path in ours + [foreign] {
                let url = URL(fileURLWithPath: h.storage).appendingPathComponent(path)
                try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
                try Data([1]).write(to: url)
            }
            let payload = DeleteFiles.Payload(generationId: UUID(uuidString: id)!, paths: ours + [foreign])
            for _ in 0..<2 {
                let body = try JobEnvelope(job: .init(id: UUID(), type: DeleteFiles.name, attempt: 1, maxAttempts: 5, payload: payload)).encode()
                let response = try await h.downloader.execute(
                    uri: "/v1/jobs/\(DeleteFiles.name)", method: .post,
                    headers: [.authorization: "Bearer \(TestSecrets.internalToken)", .contentType: "application/json"], body: ByteBuffer(data: body)
                )
                #expect(response.status == .ok)
            }
            for path in ours { #expect(!FileManager.default.fileExists(atPath: h.storage + "/" + path)) }
            #expect(FileManager.default.fileExists(atPath: h.storage + "/" + foreign))
        }
    }
}
