import AsyncHTTPClient
import Crypto
import Foundation
import NIOCore
import NIOFoundationCompat
import NIOHTTP1

/// Where objects go: `s3://bucket/prefix?endpoint=https://…&region=…&path_style=true` (`STORAGE_URL`). Without an
/// endpoint, AWS S3 in the region; `path_style` for stores that address buckets in the path (MinIO, Ceph, moto).
package struct S3Location: Sendable, Equatable {
    package var bucket: String
    package var prefix: String
    package var endpoint: String
    package var region: String
    package var pathStyle: Bool

    package init(bucket: String, prefix: String = "", endpoint: String, region: String, pathStyle: Bool) {
        self.bucket = bucket
        self.prefix = prefix
        self.endpoint = endpoint.hasSuffix("/") ? String(endpoint.dropLast()) : endpoint
        self.region = region
        self.pathStyle = pathStyle
    }

    /// Parses `s3://bucket/prefix?…`; the error names what is wrong.
    package static func parse(_ text: String) throws -> S3Location {
        guard let url = URLComponents(string: text), url.scheme == "s3", let bucket = url.host, !bucket.isEmpty else {
            throw StorageURLError("must look like s3://bucket/prefix?endpoint=…&region=…, got '\(text)'")
        }
        let items = Dictionary((url.queryItems ?? []).map { ($0.name, $0.value ?? "") }, uniquingKeysWith: { $1 })
        for name in items.keys where !["endpoint", "region", "path_style"].contains(name) {
            throw StorageURLError("has an unknown parameter '\(name)' (endpoint, region and path_style are known)")
        }
        let region = items["region"].flatMap { $0.isEmpty ? nil : $0 } ?? "us-east-1"
        let endpoint = items["endpoint"].flatMap { $0.isEmpty ? nil : $0 } ?? "https://s3.\(region).amazonaws.com"
        guard let parsed = URL(string: endpoint), ["http", "https"].contains(parsed.scheme ?? ""), parsed.host != nil else {
            throw StorageURLError("endpoint must be an http(s) URL, got '\(endpoint)'")
        }
        let prefix = url.path.split(separator: "/").joined(separator: "/")
        return S3Location(
            bucket: bucket, prefix: prefix, endpoint: endpoint, region: region,
            pathStyle: ["true", "1", "yes"].contains(items["path_style"]?.lowercased() ?? "false")
        )
    }

    /// The object key of a stored path (under the prefix).
    package func key(_ path: String) -> String { prefix.isEmpty ? path : "\(prefix)/\(path)" }

    /// Host (with a non-default port) and encoded path of an object, as requests address and sign it.
    package func address(_ key: String) -> (base: String, host: String, path: String) {
        let url = URL(string: endpoint)!
        let scheme = url.scheme ?? "https"
        let port = url.port.map { ":\($0)" } ?? ""
        let encodedKey = key.isEmpty ? "" : SigV4.encode(key, keepingSlash: true)
        if pathStyle {
            let host = "\(url.host!)\(port)"
            return ("\(scheme)://\(host)", host, "/\(bucket)" + (key.isEmpty ? "" : "/\(encodedKey)"))
        }
        let host = "\(bucket).\(url.host!)\(port)"
        return ("\(scheme)://\(host)", host, "/\(encodedKey)")
    }
}

/// A `STORAGE_URL` that cannot be used, and why.
package struct StorageURLError: Error, CustomStringConvertible, Equatable {
    package var description: String
    package init(_ description: String) { self.description = "STORAGE_URL \(description)" }
}

/// The few S3 operations image storage needs, signed with SigV4: whole and multipart uploads, server-side copy,
/// delete, streamed and ranged reads, listing, presigned reads. Errors carry S3's code and message.
package struct S3Client: Sendable {
    package let location: S3Location
    package let signer: SigV4
    let http: HTTPClient

    package init(location: S3Location, credentials: SigV4.Credentials, http: HTTPClient) {
        self.location = location
        signer = SigV4(credentials: credentials, region: location.region)
        self.http = http
    }

    package struct Failure: Error, CustomStringConvertible {
        package var status: Int
        package var code: String
        package var message: String
        package var description: String { "S3 answered \(status) \(code): \(message)" }
    }

    /// Sends one signed request for `key` (nil: the bucket itself) and returns the answer when it is 2xx.
    @discardableResult
    func send(
        _ method: HTTPMethod, key: String?, query: [(String, String)] = [], headers: [(String, String)] = [], body: [UInt8] = [],
        timeout: TimeAmount = .seconds(60)
    ) async throws -> HTTPClientResponse {
        try await send(
            method, key: key, query: query, headers: headers, body: ByteBuffer(bytes: body), payloadHash: SHA256.hash(data: body).hexString,
            timeout: timeout)
    }

    /// As above, with the body as a buffer (sent without a copy) and its SHA-256 already known.
    @discardableResult
    func send(
        _ method: HTTPMethod, key: String?, query: [(String, String)] = [], headers: [(String, String)] = [], body: ByteBuffer,
        payloadHash: String, timeout: TimeAmount = .seconds(60)
    ) async throws -> HTTPClientResponse {
        let (base, host, path) = location.address(key ?? "")
        let all = [("host", host), ("x-amz-content-sha256", payloadHash)] + headers
        let signed = signer.sign(method: method.rawValue, path: path, query: query, headers: all, payloadHash: payloadHash, date: Date())
        let queryString = SigV4.canonicalQuery(query)
        var request = HTTPClientRequest(url: base + path + (queryString.isEmpty ? "" : "?\(queryString)"))
        request.method = method
        for (name, value) in all + signed where name != "host" { request.headers.add(name: name, value: value) }
        if body.readableBytes > 0 || method == .PUT || method == .POST { request.body = .bytes(body) }
        let response = try await http.execute(request, timeout: timeout)
        guard (200..<300).contains(response.status.code) else {
            let text = String(buffer: try await response.body.collect(upTo: 1 << 16))
            throw Failure(
                status: Int(response.status.code), code: Self.element("Code", in: text) ?? "", message: Self.element("Message", in: text) ?? text)
        }
        return response
    }

    /// Creates the bucket (for tests and first runs); one that exists already is fine.
    package func createBucket() async throws {
        // Outside us-east-1, S3 wants the region named in the body.
        let body =
            location.region == "us-east-1"
            ? ""
            : "<CreateBucketConfiguration><LocationConstraint>\(location.region)</LocationConstraint></CreateBucketConfiguration>"
        do {
            try await send(.PUT, key: nil, body: Array(body.utf8))
        } catch let failure as Failure where failure.code == "BucketAlreadyOwnedByYou" || failure.code == "BucketAlreadyExists" {
            return
        }
    }

    package func put(_ key: String, bytes: [UInt8], contentType: String) async throws {
        try await send(.PUT, key: key, headers: [("content-type", contentType)], body: bytes)
    }

    package func createMultipartUpload(_ key: String, contentType: String) async throws -> String {
        let response = try await send(.POST, key: key, query: [("uploads", "")], headers: [("content-type", contentType)])
        let text = String(buffer: try await response.body.collect(upTo: 1 << 16))
        guard let id = Self.element("UploadId", in: text) else { throw Failure(status: 200, code: "NoUploadId", message: text) }
        return id
    }

    /// Uploads part `number` (from 1) whose SHA-256 is `payloadHash`; returns its ETag.
    package func uploadPart(_ key: String, uploadID: String, number: Int, body: ByteBuffer, payloadHash: String) async throws -> String {
        let response = try await send(
            .PUT, key: key, query: [("partNumber", String(number)), ("uploadId", uploadID)], body: body, payloadHash: payloadHash
        )
        return response.headers.first(name: "ETag") ?? ""
    }

    /// Stores `body` (whose SHA-256 is `payloadHash`) at `key` in one request.
    package func put(_ key: String, body: ByteBuffer, payloadHash: String, contentType: String) async throws {
        try await send(.PUT, key: key, headers: [("content-type", contentType)], body: body, payloadHash: payloadHash)
    }

    package func completeMultipartUpload(_ key: String, uploadID: String, parts: [String]) async throws {
        let list = parts.enumerated().map { "<Part><PartNumber>\($0.offset + 1)</PartNumber><ETag>\($0.element)</ETag></Part>" }.joined()
        let response = try await send(
            .POST, key: key, query: [("uploadId", uploadID)], body: Array("<CompleteMultipartUpload>\(list)</CompleteMultipartUpload>".utf8)
        )
        // S3 may answer 200 with an error in the body.
        let text = String(buffer: try await response.body.collect(upTo: 1 << 16))
        if text.contains("<Error>") {
            throw Failure(status: 200, code: Self.element("Code", in: text) ?? "", message: Self.element("Message", in: text) ?? text)
        }
    }

    package func abortMultipartUpload(_ key: String, uploadID: String) async throws {
        try await send(.DELETE, key: key, query: [("uploadId", uploadID)])
    }

    /// Copies `source` to `destination` inside the bucket, replacing its content type.
    package func copy(_ source: String, to destination: String, contentType: String) async throws {
        let from = "/\(location.bucket)/\(SigV4.encode(source, keepingSlash: true))"
        let response = try await send(
            .PUT, key: destination,
            headers: [("x-amz-copy-source", from), ("x-amz-metadata-directive", "REPLACE"), ("content-type", contentType)]
        )
        let text = String(buffer: try await response.body.collect(upTo: 1 << 16))
        if text.contains("<Error>") {
            throw Failure(status: 200, code: Self.element("Code", in: text) ?? "", message: Self.element("Message", in: text) ?? text)
        }
    }

    /// Deletes `key`; deleting what does not exist succeeds.
    package func delete(_ key: String) async throws {
        try await send(.DELETE, key: key)
    }

    /// Reads `key` (streamed), or the byte range `range` (`bytes=0-9`).
    package func get(_ key: String, range: String? = nil) async throws -> HTTPClientResponse {
        try await send(.GET, key: key, headers: range.map { [("range", $0)] } ?? [], timeout: .minutes(10))
    }

    /// Every key under `prefix` with its last change, a page at a time.
    package func list(prefix: String, continuation: String? = nil) async throws -> (objects: [(key: String, modified: Date)], next: String?) {
        var query = [("list-type", "2"), ("prefix", prefix)]
        if let continuation { query.append(("continuation-token", continuation)) }
        let response = try await send(.GET, key: nil, query: query)
        let text = String(buffer: try await response.body.collect(upTo: 16 << 20))
        var objects: [(String, Date)] = []
        for contents in text.components(separatedBy: "<Contents>").dropFirst() {
            guard let key = Self.element("Key", in: contents) else { continue }
            let modified = Self.element("LastModified", in: contents).flatMap(Self.parseDate) ?? .distantPast
            objects.append((Self.unescape(key), modified))
        }
        let truncated = Self.element("IsTruncated", in: text) == "true"
        return (objects, truncated ? Self.element("NextContinuationToken", in: text) : nil)
    }

    /// A URL anyone can GET `key` with for `seconds` (at most a week).
    package func presignedGET(_ key: String, seconds: Int, now: Date = Date()) -> String {
        S3Presigner(location: location, signer: signer).presignedGET(key, seconds: seconds, now: now)
    }

    /// A URL anyone can PUT `key` with for `seconds`.
    package func presignedPUT(_ key: String, seconds: Int, now: Date = Date()) -> String {
        S3Presigner(location: location, signer: signer).presignedPUT(key, seconds: seconds, now: now)
    }

    static func element(_ name: String, in xml: String) -> String? {
        guard let start = xml.range(of: "<\(name)>"), let end = xml.range(of: "</\(name)>", range: start.upperBound..<xml.endIndex) else {
            return nil
        }
        return String(xml[start.upperBound..<end.lowerBound])
    }

    static func unescape(_ text: String) -> String {
        text.replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">").replacingOccurrences(of: "&quot;", with: "\"")
            .replacingOccurrences(of: "&apos;", with: "'").replacingOccurrences(of: "&amp;", with: "&")
    }

    static func parseDate(_ text: String) -> Date? {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.date(from: text) ?? ISO8601DateFormatter().date(from: text)
    }
}

/// Presigned GETs of a bucket's objects: no connection needed, only the location and the keys.
package struct S3Presigner: Sendable {
    package let location: S3Location
    let signer: SigV4

    package init(location: S3Location, credentials: SigV4.Credentials) {
        self.init(location: location, signer: SigV4(credentials: credentials, region: location.region))
    }

    init(location: S3Location, signer: SigV4) {
        self.location = location
        self.signer = signer
    }

    /// A URL anyone can GET `key` with for `seconds` (at most a week).
    package func presignedGET(_ key: String, seconds: Int, now: Date = Date()) -> String {
        presigned("GET", key, seconds: seconds, now: now)
    }

    /// A URL anyone can PUT `key` with for `seconds` (any body: what arrives is checked before it is used).
    package func presignedPUT(_ key: String, seconds: Int, now: Date = Date()) -> String {
        presigned("PUT", key, seconds: seconds, now: now)
    }

    private func presigned(_ method: String, _ key: String, seconds: Int, now: Date) -> String {
        let (base, host, path) = location.address(key)
        return "\(base)\(path)?\(signer.presignedQuery(method: method, host: host, path: path, expires: min(seconds, 604_800), date: now))"
    }
}
