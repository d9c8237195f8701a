import AsyncHTTPClient
import Foundation

/// One of the project's executables running as a real process (built by `swift build --build-tests` into .build/debug).
package final class ServiceProcess: @unchecked Sendable {
    package let process = Process()
    package let port: Int
    /// Where `/health/ready` answers: `port`, or the gateway's internal port.
    package let readinessPort: Int
    private let log: URL

    /// Starts `executable` on a free port with `environment` and waits until `/health/ready` answers 200.
    package init(_ executable: String, environment: [String: String], ready: Bool = true) async throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let binary = root.appendingPathComponent(".build/debug/\(executable)")
        guard FileManager.default.isExecutableFile(atPath: binary.path) else {
            throw TestEnvironmentError(description: "\(binary.path) is missing: build with `swift build --build-tests` first")
        }
        port = try freePort()
        // The gateway answers readiness on its internal port only.
        readinessPort = executable == "gateway" ? try freePort() : port
        log = FileManager.default.temporaryDirectory.appendingPathComponent("\(executable)-\(UUID().uuidString).log")
        FileManager.default.createFile(atPath: log.path, contents: nil)
        process.executableURL = binary
        var env = ProcessInfo.processInfo.environment
        env["HTTP_PORT"] = String(port)
        if executable == "gateway" { env["GATEWAY_INTERNAL_PORT"] = String(readinessPort) }
        env["LOG_LEVEL"] = env["LOG_LEVEL"] ?? "warning"
        for (key, value) in environment { env[key] = value }
        process.environment = env
        let handle = try FileHandle(forWritingTo: log)
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        if ready { try await waitUntilReady(executable) }
    }

    private func waitUntilReady(_ name: String) async throws {
        let deadline = ContinuousClock.now + .seconds(20)
        while ContinuousClock.now < deadline {
            if !process.isRunning { throw TestEnvironmentError(description: "\(name) exited: \(output)") }
            let request = HTTPClientRequest(url: "http://127.0.0.1:\(readinessPort)/health/ready")
            if let response = try? await HTTPClient.shared.execute(request, timeout: .seconds(1)), response.status.code == 200 { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw TestEnvironmentError(description: "\(name) was not ready within 20 s: \(output)")
    }

    /// What the process printed so far.
    package var output: String { (try? String(contentsOf: log, encoding: .utf8)) ?? "" }

    /// Sends `signal` (SIGKILL simulates a crash, SIGTERM a graceful stop) and waits for the exit.
    package func stop(signal: Int32 = SIGTERM) {
        guard process.isRunning else { return }
        kill(process.processIdentifier, signal)
        process.waitUntilExit()
    }

    deinit {
        stop(signal: SIGKILL)
        try? FileManager.default.removeItem(at: log)
    }
}

/// A TCP port nobody listens on right now.
package func freePort() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = 0
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
    guard bound == 0 else { throw TestEnvironmentError(description: "no free port") }
    _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
    return Int(UInt16(bigEndian: address.sin_port))
}

/// A TCP connection to `port` on loopback (its descriptor), or nil: a client that sends what a test chooses, as slowly
/// as it chooses.
package func connectLoopback(_ port: Int) -> Int32? {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = in_port_t(UInt16(port).bigEndian)
    let connected = withUnsafePointer(to: &address) { pointer in
        pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
    }
    if connected { return fd }
    close(fd)
    return nil
}
