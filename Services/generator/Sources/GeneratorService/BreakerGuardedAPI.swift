import Generations
import ReplicateAPI
import WireFormat

/// Replicate's API with every call's fate told to the shared breaker: an answer (even a refusal) closes it, an outage
/// (5xx, 408, no answer) counts towards opening it. The breaker's own bookkeeping never fails a call.
struct BreakerGuardedAPI: PredictionsAPI {
    let api: any PredictionsAPI
    let breaker: ReplicateBreaker

    func create(
        model: String, version: String?, input: [String: JSONValue], wait: Int?, webhook: PredictionWebhook?, cancelAfter: Double?
    ) async throws -> PredictionResponse {
        try await observe {
            try await api.create(model: model, version: version, input: input, wait: wait, webhook: webhook, cancelAfter: cancelAfter)
        }
    }

    func get(_ id: String) async throws -> PredictionResponse {
        try await observe { try await api.get(id) }
    }

    func cancel(_ id: String) async throws -> PredictionResponse {
        try await observe { try await api.cancel(id) }
    }

    func list(next: String?) async throws -> PredictionPage {
        try await observe { try await api.list(next: next) }
    }

    private func observe<T>(_ call: () async throws -> T) async throws -> T {
        do {
            let answer = try await call()
            try? await breaker.succeeded()
            return answer
        } catch let error as ReplicateError {
            if error.isOutage { _ = try? await breaker.failed() } else { try? await breaker.succeeded() }
            throw error
        }
    }
}
