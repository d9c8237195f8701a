import AsyncHTTPClient
import NIOCore
import ServiceLifecycle

extension HTTPClient {
    /// An outbound client for service-to-service and upstream calls: a refused or failed connection fails the request at
    /// once (the caller's retry policy decides what next) instead of retrying until the request deadline, and a peer
    /// that sends nothing for `readTimeout` (head or body) fails it too, so no call can hang a handler forever.
    package static func makeServiceClient(connectionsPerHost: Int = 64, redirects: Bool = true, readTimeout: Duration) -> HTTPClient {
        let read = TimeAmount.milliseconds(readTimeout.components.seconds * 1000 + readTimeout.components.attoseconds / 1_000_000_000_000_000)
        var configuration = HTTPClient.Configuration(
            redirectConfiguration: redirects ? .follow(max: 5, allowCycles: false) : .disallow, timeout: .init(connect: .seconds(5), read: read)
        )
        configuration.connectionPool = .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: connectionsPerHost)
        configuration.connectionPool.retryConnectionEstablishment = false
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }
}

/// Shuts an HTTP client down when the service group stops (register it before the services that use it).
package struct HTTPClientService: Service {
    package let client: HTTPClient

    package init(client: HTTPClient) {
        self.client = client
    }

    package func run() async throws {
        try? await gracefulShutdown()
        try await client.shutdown()
    }
}
