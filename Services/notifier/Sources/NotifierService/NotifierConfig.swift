import Catalog
import Database
import Foundation
import Generations
import ServiceKit
import Storage

/// The notifier's settings, read once at start.
package struct NotifierConfig: Sendable {
    package var http: HTTPSettings
    package var database: DatabaseURL
    package var internalToken: String
    /// Origins (`scheme://host:port`) that may receive webhooks over plain http or at private addresses, for development
    /// (`WEBHOOK_ALLOWED_ORIGINS`); every other webhook must be https to a public address.
    package var allowedOrigins: [String]
    /// From the request to the receiver's answer (`WEBHOOK_TIMEOUT_SECONDS`).
    package var timeout: Duration
    /// Deliveries in flight to one host at once (`NOTIFIER_MAX_PER_HOST`); more wait, without holding a dispatcher slot.
    package var maxPerHost: Int
    /// Links to stored files in webhook bodies (`FILES_URL_SECRET`, `FILES_URL_TTL`, `FILES_PUBLIC`, as the gateway).
    package var fileLinks: FileLinks

    package init(environment: [String: String]) throws {
        var loader = ConfigLoader(environment)
        http = HTTPSettings(&loader, defaultPort: 8084)
        database = loader.databaseURL()
        internalToken = loader.secret("INTERNAL_TOKEN")
        let webhookSetting = WebhookTarget.allowedOrigins(loader.optional("WEBHOOK_ALLOWED_ORIGINS") ?? "")
        allowedOrigins = webhookSetting.origins.map(\.written)
        for entry in webhookSetting.invalid {
            loader.problem("WEBHOOK_ALLOWED_ORIGINS must list origins like http://127.0.0.1:9000, got \(entry)")
        }
        timeout = .seconds(loader.int("WEBHOOK_TIMEOUT_SECONDS", default: 10, in: 1...120))
        maxPerHost = loader.int("NOTIFIER_MAX_PER_HOST", default: 32, in: 1...1000)
        let storage = StorageSetting.load(&loader, environment: environment)
        fileLinks = FileLinks.load(&loader, storage: storage)
        try loader.validate()
    }
}
