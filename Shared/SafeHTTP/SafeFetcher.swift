import AsyncHTTPClient
import Foundation
import NIOCore
import NIOPosix
import NetworkPolicy

#if canImport(Glibc)
    import Glibc
#endif

/// Why a fetch was refused or failed; `permanent` ones will not succeed on retry. `description` is for logs and the job's
/// history (it names hosts and settings); `userReason` completes "Output N …" for the generation's user.
package struct FetchError: Error, CustomStringConvertible {
    package var description: String
    package var permanent: Bool
    package var userReason = "could not be fetched"
    /// A short, stable name of a permanent refusal, for metrics (`not_allowed`, `private_address`, `too_large`, …).
    package var reason = "unfetchable"

    package init(description: String, permanent: Bool, userReason: String = "could not be fetched", reason: String = "unfetchable") {
        self.description = description
        self.permanent = permanent
        self.userReason = userReason
        self.reason = reason
    }
}

/// Fetches untrusted output URLs: allow-listed hosts only, few redirects, bounded time, and a size cap enforced while
/// streaming; `data:` URIs are decoded locally under the same cap. A host is resolved once, off the cooperative pool;
/// if any of its addresses is not public (IANA's special-purpose ranges, NAT64 and 6to4 included) it is refused, and
/// otherwise the connection goes to the address that was vetted, so a second lookup cannot rebind it elsewhere. Exact
/// origins an operator allow-listed (for local runs) are fetched as named.
package struct SafeFetcher: Sendable {
    let http: HTTPClient
    let allowList: AllowList
    let maxBytes: Int
    /// From the first request to the last byte, redirects included.
    let timeout: Duration

    package init(http: HTTPClient, allowList: AllowList, maxBytes: Int, timeout: Duration) {
        self.http = http
        self.allowList = allowList
        self.maxBytes = maxBytes
        self.timeout = timeout
    }

    /// What a receiver answered a POST.
    package struct Answer: Sendable {
        package var status: Int
        package var retryAfter: String?
    }

    /// POSTs `body` to `raw` under the same checks as a fetch (allow-list, vetted and pinned address, `timeout` from
    /// the request to the answer's last byte), following no redirect: a receiver answers where it was asked. The answer's
    /// body is read (up to 64 KiB) and dropped.
    /// Errors name the receiver's origin only: its path and query are often a credential, and never reach a log or an error.
    package func post(_ raw: String, headers: [(String, String)], body: [UInt8]) async throws -> Answer {
        guard let url = URL(string: raw), let host = url.host, !host.isEmpty else {
            throw FetchError(description: "invalid receiver URL", permanent: true, userReason: "has an invalid address", reason: "invalid_url")
        }
        let origin = Self.origin(of: url)
        let (allowed, exact) = allowList.check(url)
        guard allowed else {
            throw FetchError(
                description: "\(origin) is not an allowed address", permanent: true, userReason: "may not be called", reason: "not_allowed")
        }
        let client = exact ? http : try await Self.pinnedClient(host: host)
        defer { if !exact { Task { try? await client.shutdown() } } }
        var request = HTTPClientRequest(url: raw)
        request.method = .POST
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        request.body = .bytes(ByteBuffer(bytes: body))
        let deadline = ContinuousClock.now + timeout
        do {
            let response = try await client.execute(request, timeout: .milliseconds(Int64(timeout / .milliseconds(1))))
            var read = 0
            for try await chunk in response.body {
                read += chunk.readableBytes
                guard read <= 65536, ContinuousClock.now < deadline else { break }
            }
            return Answer(status: Int(response.status.code), retryAfter: response.headers.first(name: "Retry-After"))
        } catch {
            let timedOut = (error as? HTTPClientError).map { [.deadlineExceeded, .readTimeout, .connectTimeout].contains($0) } ?? false
            throw FetchError(
                description: "POST to \(origin) failed: \(error)", permanent: false,
                userReason: timedOut ? "did not answer in time" : "could not be reached", reason: timedOut ? "timeout" : "unreachable"
            )
        }
    }

    /// `scheme://host[:port]` of `url`, nothing of its path, query or user.
    static func origin(of url: URL) -> String {
        "\(url.scheme ?? "https")://\(url.host ?? "")" + (url.port.map { ":\($0)" } ?? "")
    }

    /// Streams the body of `raw` into `sink`; returns the first 64 KiB for inspection.
    package func fetch(_ raw: String, into sink: (ArraySlice<UInt8>) async throws -> Void) async throws -> [UInt8] {
        if raw.hasPrefix("data:") { return try await decodeDataURI(raw, into: sink) }
        let deadline = ContinuousClock.now + timeout
        let late = FetchError(description: "fetch of \(raw) did not finish within \(timeout)", permanent: false)
        var current = raw
        for _ in 0..<4 {
            guard let url = URL(string: current), let host = url.host, !host.isEmpty else {
                throw FetchError(description: "invalid URL \(current)", permanent: true, userReason: "has an invalid address", reason: "invalid_url")
            }
            let (allowed, exact) = allowList.check(url)
            guard allowed else {
                throw FetchError(
                    description: "host of \(url.absoluteString) is not allowed (DOWNLOAD_ALLOWED_HOSTS)", permanent: true,
                    userReason: "comes from an address that may not be fetched", reason: "private_address"
                )
            }
            // A client pinned to the vetted address for this hop; the shared one for an operator's exact origin.
            let client = exact ? http : try await Self.pinnedClient(host: host)
            do {
                var request = HTTPClientRequest(url: current)
                request.method = .GET
                let response: HTTPClientResponse
                do {
                    let remaining = deadline - ContinuousClock.now
                    guard remaining > .zero else { throw late }
                    response = try await client.execute(request, timeout: .milliseconds(Int64(remaining / .milliseconds(1))))
                } catch {
                    throw FetchError(description: "fetch of \(url.absoluteString) failed: \(error)", permanent: false)
                }
                if let next = try redirect(response, from: url) {
                    if !exact { try? await client.shutdown() }
                    current = next
                    continue
                }
                let head = try await read(response, from: url, deadline: deadline, late: late, into: sink)
                if !exact { try? await client.shutdown() }
                return head
            } catch {
                if !exact { try? await client.shutdown() }
                throw error
            }
        }
        throw FetchError(description: "too many redirects from \(raw)", permanent: true, userReason: "redirects too many times", reason: "redirects")
    }

    /// The next URL when `response` is a redirect; throws for an unusable answer.
    private func redirect(_ response: HTTPClientResponse, from url: URL) throws -> String? {
        let status = Int(response.status.code)
        if (300..<400).contains(status), let location = response.headers.first(name: "Location") {
            return URL(string: location, relativeTo: url)?.absoluteString ?? location
        }
        guard status == 200 else {
            throw FetchError(
                description: "\(url.absoluteString) answered \(status)", permanent: status == 404 || status == 410 || status == 403,
                userReason: "is no longer available (Replicate deletes outputs an hour after the prediction)", reason: "gone"
            )
        }
        if let length = response.headers.first(name: "Content-Length").flatMap(Int.init), length > maxBytes {
            throw FetchError(
                description: "output is \(length) bytes, over the \(maxBytes)-byte limit", permanent: true,
                userReason: "is larger than the \(maxBytes)-byte limit", reason: "too_large"
            )
        }
        return nil
    }

    /// Streams the body into `sink` under the size cap and the deadline; returns its first 64 KiB.
    private func read(
        _ response: HTTPClientResponse, from url: URL, deadline: ContinuousClock.Instant, late: FetchError,
        into sink: (ArraySlice<UInt8>) async throws -> Void
    ) async throws -> [UInt8] {
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
                        userReason: "is larger than the \(maxBytes)-byte limit", reason: "too_large"
                    )
                }
                let bytes = Array(chunk.readableBytesView)
                if head.count < 65536 { head += bytes.prefix(65536 - head.count) }
                do { try await sink(bytes[...]) } catch { throw SinkFailure(underlying: error) }
            }
        } catch let error as FetchError {
            throw error
        } catch let error as SinkFailure {
            // Where the bytes go failed, not the download: the caller's own error, unchanged.
            throw error.underlying
        } catch {
            throw FetchError(description: "download of \(url.absoluteString) broke off: \(error)", permanent: false)
        }
        return head
    }

    /// A client for one hop to `host` that connects only to the address vetted now.
    package static func pinnedClient(host: String) async throws -> HTTPClient {
        let address = try await vettedAddress(of: host)
        var configuration = HTTPClient.Configuration(
            redirectConfiguration: .disallow, timeout: .init(connect: .seconds(5), read: .seconds(30))
        )
        configuration.dnsOverride = [host: address]
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

    /// The address to connect to for `host`, resolved once on a thread of NIO's blocking pool (getaddrinfo blocks);
    /// refused when any address it resolves to is not public.
    package static func vettedAddress(of host: String) async throws -> String {
        let addresses = try await NIOThreadPool.singleton.runIfActive { try resolve(host) }
        guard let first = addresses.first else {
            throw FetchError(description: "\(host) resolves to no address", permanent: false)
        }
        for bytes in addresses {
            if let reason = SpecialAddress.reason(bytes) {
                throw FetchError(
                    description: "\(host) resolves to a private address (\(reason)); refused", permanent: true,
                    userReason: "comes from an address that may not be fetched", reason: "private_address"
                )
            }
        }
        return text(first)
    }

    private func decodeDataURI(_ raw: String, into sink: (ArraySlice<UInt8>) async throws -> Void) async throws -> [UInt8] {
        guard let comma = raw.firstIndex(of: ","), raw[..<comma].hasSuffix(";base64") else {
            throw FetchError(
                description: "only base64 data: URIs are accepted", permanent: true, userReason: "is not a base64 data: URI", reason: "bad_data_uri")
        }
        guard (raw.count - raw.distance(from: raw.startIndex, to: comma)) / 4 * 3 <= maxBytes else {
            throw FetchError(
                description: "data: URI exceeds the \(maxBytes)-byte limit", permanent: true, userReason: "is larger than the \(maxBytes)-byte limit",
                reason: "too_large"
            )
        }
        guard let data = Data(base64Encoded: String(raw[raw.index(after: comma)...])) else {
            throw FetchError(description: "data: URI is not valid base64", permanent: true, userReason: "is not valid base64", reason: "bad_data_uri")
        }
        let bytes = [UInt8](data)
        try await sink(bytes[...])
        return Array(bytes.prefix(65536))
    }

    /// Every address `host` resolves to (4 or 16 bytes each).
    private static func resolve(_ host: String) throws -> [[UInt8]] {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var result: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, nil, &hints, &result) == 0, let first = result else {
            throw FetchError(description: "cannot resolve \(host)", permanent: false)
        }
        defer { freeaddrinfo(first) }
        var addresses: [[UInt8]] = []
        var pointer: UnsafeMutablePointer<addrinfo>? = first
        while let info = pointer {
            if info.pointee.ai_family == AF_INET {
                addresses.append(
                    info.pointee.ai_addr.withMemoryRebound(to: sockaddr_in.self, capacity: 1) {
                        withUnsafeBytes(of: $0.pointee.sin_addr) { Array($0) }
                    })
            } else if info.pointee.ai_family == AF_INET6 {
                addresses.append(
                    info.pointee.ai_addr.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) {
                        withUnsafeBytes(of: $0.pointee.sin6_addr) { Array($0) }
                    })
            }
            pointer = info.pointee.ai_next
        }
        return addresses
    }

    /// An address in its usual text form.
    private static func text(_ bytes: [UInt8]) -> String {
        var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        let family = bytes.count == 4 ? AF_INET : AF_INET6
        _ = bytes.withUnsafeBytes { inet_ntop(family, $0.baseAddress, &buffer, socklen_t(buffer.count)) }
        return String(cString: buffer)
    }
}

/// An error of the caller's sink, carried out of the read unchanged.
private struct SinkFailure: Error {
    var underlying: any Error
}
