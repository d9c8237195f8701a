import AsyncHTTPClient
import Foundation
import NIOCore
import NIOFoundationCompat
import NIOHTTP1
import WireFormat

/// The gateway's public API (and the dispatcher's admin API), as the CLI calls it: JSON in, JSON out, problems thrown.
struct APIClient: Sendable {
    let baseURL: String
    let token: String?
    let http: HTTPClient

    /// One client for the command's life; a server that refuses connections is reported at once, not retried.
    static let sharedHTTP: HTTPClient = {
        var configuration = HTTPClient.Configuration()
        configuration.timeout.connect = .seconds(10)
        configuration.connectionPool.retryConnectionEstablishment = false
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }()

    init(baseURL: String, token: String?, http: HTTPClient = sharedHTTP) {
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.token = token
        self.http = http
    }

    /// Calls `method path` and decodes a 2xx body as `T`; any other status throws its problem.
    func call<T: Decodable>(_ method: HTTPMethod, _ path: String, body: (some Encodable)? = nil as JSONValue?) async throws -> T {
        try decode(T.self, try await raw(method, path, body: body), from: path)
    }

    /// Calls `method path`; returns a 2xx body's bytes, throws any other status's problem.
    @discardableResult
    func raw(_ method: HTTPMethod, _ path: String, body: (some Encodable)? = nil as JSONValue?) async throws -> Data {
        try await send(method, path, body: try body.map { ("application/json", try JSONCoding.encoder().encode($0)) })
    }

    /// Calls `method path` with `body` (its content type and bytes) and more `headers`; returns a 2xx body's bytes, throws
    /// any other status's problem.
    func send(_ method: HTTPMethod, _ path: String, body: (type: String, bytes: Data)?, headers: [(String, String)] = []) async throws -> Data {
        var request = HTTPClientRequest(url: baseURL + path)
        request.method = method
        if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        request.headers.add(name: "Accept", value: "application/json")
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body {
            request.headers.add(name: "Content-Type", value: body.type)
            request.body = .bytes(ByteBuffer(data: body.bytes))
        }
        let response: HTTPClientResponse
        do {
            response = try await http.execute(request, timeout: .seconds(60))
        } catch {
            throw CLIError.unreachable("\(baseURL): \(error)")
        }
        let bytes = Data(buffer: try await response.body.collect(upTo: 64 << 20))
        guard (200..<300).contains(response.status.code) else { throw Self.problem(status: response.status, body: bytes) }
        return bytes
    }

    /// Opens `path` as a stream (Server-Sent Events); the caller reads its body.
    func stream(_ path: String, lastEventID: String?) async throws -> HTTPClientResponse {
        var request = HTTPClientRequest(url: baseURL + path)
        if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        request.headers.add(name: "Accept", value: "text/event-stream")
        if let lastEventID { request.headers.add(name: "Last-Event-ID", value: lastEventID) }
        let response: HTTPClientResponse
        do {
            response = try await http.execute(request, timeout: .hours(24))
        } catch {
            throw CLIError.unreachable("\(baseURL): \(error)")
        }
        guard response.status == .ok else {
            throw Self.problem(status: response.status, body: Data(buffer: try await response.body.collect(upTo: 1 << 20)))
        }
        return response
    }

    /// Downloads `url` (absolute, or a path on the gateway) to `file`, streaming.
    func download(_ url: String, to file: URL) async throws {
        let absolute = url.hasPrefix("http://") || url.hasPrefix("https://") ? url : baseURL + url
        let response: HTTPClientResponse
        do {
            response = try await http.execute(HTTPClientRequest(url: absolute), timeout: .minutes(10))
        } catch {
            throw CLIError.unreachable("\(absolute): \(error)")
        }
        guard response.status == .ok else {
            throw Self.problem(status: response.status, body: Data(buffer: try await response.body.collect(upTo: 1 << 20)))
        }
        let partial = file.appendingPathExtension("part")
        guard FileManager.default.createFile(atPath: partial.path, contents: nil), let handle = FileHandle(forWritingAtPath: partial.path) else {
            throw CLIError.usage("cannot write \(partial.path)")
        }
        do {
            for try await chunk in response.body { try handle.write(contentsOf: Data(buffer: chunk)) }
            try handle.close()
            _ = try? FileManager.default.removeItem(at: file)
            try FileManager.default.moveItem(at: partial, to: file)
        } catch {
            try? handle.close()
            try? FileManager.default.removeItem(at: partial)
            throw CLIError.unreachable("downloading \(absolute): \(error)")
        }
    }

    /// The error for a non-2xx answer: its problem details when it has them.
    static func problem(status: HTTPResponseStatus, body: Data) -> CLIError {
        let problem =
            (try? JSONCoding.decoder().decode(ProblemDetails.self, from: body))
            ?? ProblemDetails(title: status.reasonPhrase, detail: String(decoding: body.prefix(500), as: UTF8.self))
        return .api(status: Int(status.code), problem)
    }
}
