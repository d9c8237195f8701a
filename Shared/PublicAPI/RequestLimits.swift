/// The limits of `POST /v1/generations` that hold for every model (each model narrows them: `GET /v1/models`): the
/// gateway validates with these, and the OpenAPI document states them from here.
package enum RequestLimits {
    package static let promptLength = 2000
    package static let modelIDLength = 200
    package static let styleLength = 100
    package static let size = 64...4096
    package static let defaultSize = 1024
    package static let steps = 1...500
    package static let guidance = 0.0...50.0
    package static let seed = 0...2_147_483_647
    package static let strength = 0.0...1.0
    package static let outputs = 1...4
    package static let priority = 0...10
    package static let webhookURLLength = 2048
    /// The furthest a `Cancel-After` may reach, in seconds (a year), whatever the operator's ceiling.
    package static let cancelAfterSeconds = 31_536_000.0
    /// The most bytes a `POST /v1/generations` body may have (413 past it): a `data:` source image must fit in it.
    package static let createBodyBytes = 64 << 10
    /// The most items one `POST /v1/batches` may hold, and the most bytes its body may have.
    package static let batchItems = 10_000
    package static let batchBytes = 32 << 20
    /// What `webhook_events_filter` may name, in the order events happen.
    package static let webhookEvents = ["start", "progress", "completed"]
}
