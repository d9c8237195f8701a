import Database
import Foundation
import TestSupport
import Testing

/// A listener cannot be held open: a request head must arrive in time, and connections past the cap are closed at once.
@Suite("Slow and hostile clients", .serialized)
struct SlowClientTests {
    /// Whether the server closed `fd` within `seconds` (reads until the end of the stream or the wait runs out).
    func closedByServer(_ fd: Int32, within seconds: Int) -> Bool {
        var timeout = timeval(tv_sec: seconds, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = recv(fd, &buffer, buffer.count, 0)
            if n == 0 { return true }
            if n < 0 { return errno == ECONNRESET }
        }
    }

    func gateway(_ url: DatabaseURL, extra: [String: String]) async throws -> ServiceProcess {
        try await ServiceProcess(
            "gateway",
            environment: [
                "DATABASE_URL": url.connectionString, "DATABASE_DIRECT_URL": url.directConnectionString,
                "AUTH_JWT_SECRET": TestSecrets.internalToken, "FILES_URL_SECRET": TestSecrets.internalToken,
                "GATEWAY_MIGRATE_ON_START": "false",
            ].merging(extra) { $1 })
    }

    @Test("A client that never finishes its request head is disconnected after HTTP_HEADER_TIMEOUT_SECONDS; a prompt one is served")
    func slowHeaders() async throws {
        try await TestDatabase.withClient { _, url in
            let process = try await gateway(url, extra: ["HTTP_HEADER_TIMEOUT_SECONDS": "1"])
            let slow = try #require(connectLoopback(process.port))
            defer { close(slow) }
            let partial = Array("GET /health/live HTTP/1.1\r\nHost: x\r\nX-Slow: ".utf8)
            _ = send(slow, partial, partial.count, 0)
            #expect(closedByServer(slow, within: 15))
            let prompt = try #require(connectLoopback(process.port))
            defer { close(prompt) }
            let request = Array("GET /health/live HTTP/1.1\r\nHost: x\r\n\r\n".utf8)
            _ = send(prompt, request, request.count, 0)
            var buffer = [UInt8](repeating: 0, count: 64)
            let n = recv(prompt, &buffer, buffer.count, 0)
            #expect(n > 0 && String(decoding: buffer.prefix(max(n, 0)), as: UTF8.self).hasPrefix("HTTP/1.1 200"))
            process.stop()
        }
    }

    @Test("Past HTTP_MAX_CONNECTIONS a new connection is closed at once; once others close, connections are served again")
    func connectionCap() async throws {
        try await TestDatabase.withClient { _, url in
            let process = try await gateway(url, extra: ["HTTP_MAX_CONNECTIONS": "3", "HTTP_HEADER_TIMEOUT_SECONDS": "60"])
            // The readiness checks ran on the internal port: the public one has no connection yet.
            var held: [Int32] = []
            for _ in 0..<3 { held.append(try #require(connectLoopback(process.port))) }
            try await Task.sleep(for: .milliseconds(300))
            let over = try #require(connectLoopback(process.port))
            #expect(closedByServer(over, within: 5))
            close(over)
            for fd in held { #expect(!closedByServer(fd, within: 1)) }
            for fd in held { close(fd) }
            try await eventually("a connection to be served again") {
                guard let fd = connectLoopback(process.port) else { return false }
                defer { close(fd) }
                let request = Array("GET /health/live HTTP/1.1\r\nHost: x\r\n\r\n".utf8)
                _ = send(fd, request, request.count, 0)
                var buffer = [UInt8](repeating: 0, count: 64)
                return recv(fd, &buffer, buffer.count, 0) > 0
            }
            process.stop()
        }
    }
}
