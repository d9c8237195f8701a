import AsyncHTTPClient
import Foundation

/// A real S3-compatible server for storage tests: moto's server mode (`moto[server]` from PyPI, which `scripts/test`
/// installs into `.build-tools/s3-venv`; `MOTO_SERVER` names another binary) on a free port, stopped on deinit.
package final class S3TestServer: @unchecked Sendable {
    private let process = Process()
    package let endpoint: String

    package init() async throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let binary = ProcessInfo.processInfo.environment["MOTO_SERVER"] ?? root.appendingPathComponent(".build-tools/s3-venv/bin/moto_server").path
        guard FileManager.default.isExecutableFile(atPath: binary) else {
            throw TestEnvironmentError(description: "\(binary) is missing: scripts/test installs moto[server] (or set MOTO_SERVER)")
        }
        let port = try freePort()
        endpoint = "http://127.0.0.1:\(port)"
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = ["-H", "127.0.0.1", "-p", String(port)]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline {
            if let response = try? await HTTPClient.shared.execute(HTTPClientRequest(url: endpoint + "/"), timeout: .seconds(1)),
                response.status.code < 500
            {
                return
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw TestEnvironmentError(description: "moto_server did not answer at \(endpoint) within 30 s")
    }

    deinit {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }
}
