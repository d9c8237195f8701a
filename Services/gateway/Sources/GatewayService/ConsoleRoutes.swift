import Hummingbird

/// The web console at `/console`: static HTML, CSS and JavaScript compiled into the gateway (no build step, no files to
/// deploy), calling only the public API. Its own scripts and styles only: nothing inline, nothing from elsewhere.
package struct ConsoleRoutes: Sendable {
    package struct Asset: Sendable {
        package var path: String
        var contentType: String
        var bytes: [UInt8]
    }

    package static let assets: [Asset] = [
        Asset(path: "console", contentType: "text/html; charset=utf-8", bytes: PackageResources.index_html),
        Asset(path: "console/console.css", contentType: "text/css; charset=utf-8", bytes: PackageResources.console_css),
        Asset(path: "console/console.js", contentType: "text/javascript; charset=utf-8", bytes: PackageResources.console_js),
        Asset(path: "console/favicon.svg", contentType: "image/svg+xml", bytes: PackageResources.favicon_svg),
    ]

    /// Images may come from `PUBLIC_BASE_URL` (another origin, e.g. a CDN); everything else from the gateway.
    static let contentSecurityPolicy = [
        "default-src 'none'", "script-src 'self'", "style-src 'self'", "img-src 'self' data: https: http:", "connect-src 'self'",
        "base-uri 'none'", "form-action 'self'", "frame-ancestors 'none'",
    ].joined(separator: "; ")

    func add(to router: Router<BasicRequestContext>) {
        for asset in Self.assets {
            let body = ByteBuffer(bytes: asset.bytes)
            router.get(RouterPath(asset.path)) { _, _ in
                Response(
                    status: .ok,
                    headers: [
                        .contentType: asset.contentType, .cacheControl: "no-cache", .contentSecurityPolicy: Self.contentSecurityPolicy,
                        .xContentTypeOptions: "nosniff", .referrerPolicy: "no-referrer",
                    ],
                    body: .init(byteBuffer: body)
                )
            }
        }
    }
}
