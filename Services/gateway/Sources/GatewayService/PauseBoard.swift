import Catalog
import Foundation
import Generations
import JobQueue
import PublicAPI
import ServiceKit

/// The operator's pauses as the gateway shows them (a waiting generation's `paused`, each model's in `/v1/models`), read
/// at most once a second per gateway.
final class PauseBoard: Sendable {
    private let pauses: SharedRead<[DispatchPause]>

    init(queue: JobQueue, refresh: Duration = .seconds(1)) {
        pauses = SharedRead(freshFor: refresh) { try await queue.pauses() }
    }

    /// The pauses in force, as of at most `refresh` ago.
    func current() async throws -> [DispatchPause] {
        try await pauses.value()
    }

    /// Whether `generation` waits to start on a pause of its model or of generation itself.
    func holds(_ generation: Generation, in pauses: [DispatchPause]) -> Bool {
        guard generation.status == .pending || generation.status == .queued else { return false }
        return pauses.contains { ($0.kind == .model && $0.name == generation.modelId) || ($0.kind == .jobType && $0.name == GenerateImage.name) }
    }

    /// Whether `model` is paused.
    func isPaused(model: String, in pauses: [DispatchPause]) -> Bool {
        pauses.contains { $0.kind == .model && $0.name == model }
    }
}

/// The catalog as operators changed it at run time (``CatalogOverrides``: disabled models, prices, versions, alias
/// weights), read at most once a second per gateway: a change through the admin API holds on every gateway within about
/// a second.
final class LiveCatalog: Sendable {
    private let overrides: SharedRead<CatalogOverrides>

    init(store: ModelStateStore, refresh: Duration = .seconds(1)) {
        overrides = SharedRead(freshFor: refresh) { try await store.overrides() }
    }

    /// The overrides in force, as of at most `refresh` ago.
    func current() async throws -> CatalogOverrides { try await overrides.value() }

    /// The problem of a request for `model` when it is disabled (422 naming `model_id` and the operator's reason).
    func refusal(of model: String, in overrides: CatalogOverrides) -> Problem.FieldError? {
        overrides.disabled[model].map { .init(field: "model_id", message: "\(model) is disabled by the operator: \($0)") }
    }
}
