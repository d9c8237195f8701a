import AsyncHTTPClient
import Foundation
import NIOCore
import Storage
#if canImport(Glibc)
import Glibc
#endif

/// Why a fetch was refused or failed; `permanent` ones will not succeed on retry. `description` is for logs and the job's
/// history (it names hosts and settings); `userReason` completes "Output N …" for the generation's user.
struct FetchError: Error, CustomStringConvertible {
    var description: String
    var permanent: Bool
    var userReason = "could not be fetched"
}

/// Fetches untrusted output URLs: allow-listed hosts only, no private addresses (after DNS resolution), few redirects,
/// bounded time, and a size cap enforced while streaming. `data:` URIs are decoded locally under the same cap.
struct SafeFetcher: Sendable {
    let http: HTTPClient
    let allowList: AllowList
    let maxBytes: Int
    /// From the first request to the last byte, redirects included.
    let timeout: Duration

    /// Streams the body of `raw` into `sink`; returns the first 64 KiB for inspection.
    func fetch(_ raw: String, into sink: (ArraySlice<UInt8>) throws -> Void) async throws -> [UInt8] {
        if raw.hasPrefix("data:") { return try decodeDataURI(raw, into: sink) }
        let deadline = ContinuousClock.now + timeout
        let late = FetchError(description: "fetch of \(raw) did not finish within \(timeout)", permanent: false)
        var current = raw
        for _ in 0..<4 {
            guard let url = URL(string: current), url.host != nil else { throw FetchError(description: "invalid URL \(current)", permanent: true, userReason: "has an invalid address") }
            let (allowed, exact) = allowList.check(url)
            guard allowed else { throw FetchError(
                    description: "host of \(url.absoluteString) is not allowed (DOWNLOAD_ALLOWED_HOSTS)", permanent: true,
                    userReason: "comes from an address that may not be fetched"
                ) }
            if !exact, let address = try Self.privateAddress(of: url.host!) {
                throw FetchError(
                    description: "\(url.host!) resolves to a private address (\(address)); refused", permanent: true,
                    userReason: "comes from an address that may not be fetched"
                )
            }
            var request = HTTPClientRequest(url: current)
            request.method = .GET
            let response: HTTPClientResponse
            do {
                let remaining = deadline - ContinuousClock.now
                guard remaining > .zero else { throw late }
                response = try await http.execute(request, timeout: .milliseconds(Int64(remaining / .milliseconds(1))))
            } catch {
                throw FetchError(description: "fetch of \(url.absoluteString) failed: \(error)", permanent: false)
            }
            let status = Int(response.status.code)
            if (300..<400).contains(status), let location = response.headers.first(name: "Location") {
                current = URL(string: location, relativeTo: url)?.absoluteString ?? location
                continue
            }
            guard status == 200 else {
                throw FetchError(
                    description: "\(url.absoluteString) answered \(status)", permanent: status == 404 || status == 410 || status == 403,
                    userReason: "is no longer available"
                )
            }
            if let length = response.headers.first(name: "Content-Length").flatMap(Int.init), length > maxBytes {
                throw FetchError(
                    description: "output is \(length) bytes, over the \(maxBytes)-byte limit", permanent: true,
                    userReason: "is larger than the \(maxBytes)-byte limit"
                )
            }
            var head: [UInt8] = []
            var total = 0
            do {
                for try await chunk in response.body {
                    // A body that keeps trickling in stays bounded: the client's read timeout covers a silent peer.
                    guard ContinuousClock.now < deadline else { throw late }
                    total += chunk.readableBytes
                    guard total <= maxBytes else {
                        throw FetchError(
                            description: "output exceeds the \(maxBytes)-byte limit", permanent: true,
                            userReason: "is larger than the \(maxBytes)-byte limit"
                        )
                    }
                    let bytes = Array(chunk.readableBytesView)
                    if head.count < 65536 { head += bytes.prefix(65536 - head.count) }
                    try sink(bytes[...])
                }
            } catch let error as FetchError {
                throw error
            } catch {
                throw FetchError(description: "download of \(url.absoluteString) broke off: \(error)", permanent: false)
            }
            return head
        }
        throw FetchError(description: "too many redirects from \(raw)", permanent: true, userReason: "redirects too many times")
    }

    private func decodeDataURI(_ raw: String, into sink: (ArraySlice<UInt8>) throws -> Void) throws -> [UInt8] {
        guard let comma = raw.firstIndex(of: ","), raw[..<comma].hasSuffix(";base64") else {
            throw FetchError(description: "only base64 data: URIs are accepted", permanent: true, userReason: "is not a base64 data: URI")
        }
        guard (raw.count - raw.distance(from: raw.startIndex, to: comma)) / 4 * 3 <= maxBytes else {
            throw FetchError(
                description: "data: URI exceeds the \(maxBytes)-byte limit", permanent: true, userReason: "is larger than the \(maxBytes)-byte limit"
            )
        }
        guard let data = Data(base64Encoded: String(raw[raw.index(after: comma)...])) else {
            throw FetchError(description: "data: URI is not valid base64", permanent: true, userReason: "is not valid base64")
        }
        let bytes = [UInt8](data)
        try sink(bytes[...])
        return Array(bytes.prefix(65536))
    }

    /// The first loopback, private, link-local, CGNAT or unspecified address `host` resolves to, if any.
    static func privateAddress(of host: String) throws -> String? {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var result: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, nil, &hints, &result) == 0, let first = result else {
            throw FetchError(description: "cannot resolve \(host)", permanent: false)
        }
        defer { freeaddrinfo(first) }
        var pointer: UnsafeMutablePointer<addrinfo>? = first
        while let info = pointer {
            if info.pointee.ai_family == AF_INET {
                let address = info.pointee.ai_addr.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { $0.pointee.sin_addr.s_addr }
                let b = withUnsafeBytes(of: address) { Array($0) }
                let text = b.map(String.init).joined(separator: ".")
                if b[0] == 10 || b[0] == 127 || b[0] == 0 || (b[0] == 169 && b[1] == 254) || (b[0] == 172 && (16...31).contains(b[1]))
                    || (b[0] == 192 && b[1] == 168) || (b[0] == 100 && (64...127).contains(b[1]))
                {
                    return text
                }
            } else if info.pointee.ai_family == AF_INET6 {
                let b = info.pointee.ai_addr.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { withUnsafeBytes(of: $0.pointee.sin6_addr) { Array($0) } }
                let loopback = b[0..<15].allSatisfy { $0 == 0 } && (b[15] == 1 || b[15] == 0)
                if loopback || (b[0] & 0xFE) == 0xFC || (b[0] == 0xFE && (b[1] & 0xC0) == 0x80) || b[0..<12] == [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF] {
                    return "ipv6 private"
                }
            }
            pointer = info.pointee.ai_next
        }
        return nil
    }
}
