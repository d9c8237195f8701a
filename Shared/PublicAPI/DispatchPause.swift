import Foundation

/// What an operator paused through the dispatcher's admin API (`dispatch_pauses`): a job type, whose jobs no dispatcher claims, or a model, whose generations
/// wait to start. Paused work stays pending and spends no attempts.
package struct DispatchPause: Sendable, Codable, Equatable {
    package enum Kind: String, Sendable, Codable, CaseIterable {
        case jobType = "job_type"
        case model
    }

    package var kind: Kind
    package var name: String
    package var reason: String?
    package var pausedAt: Date

    package init(kind: Kind, name: String, reason: String?, pausedAt: Date) {
        self.kind = kind
        self.name = name
        self.reason = reason
        self.pausedAt = pausedAt
    }
}

/// `GET /v1/admin/pauses`.
package struct DispatchPauseList: Sendable, Codable, Equatable {
    package var data: [DispatchPause]

    package init(data: [DispatchPause]) { self.data = data }
}
