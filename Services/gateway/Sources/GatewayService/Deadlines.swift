import Foundation
import HTTPTypes
import PublicAPI
import ServiceKit
import WireFormat

/// When a generation must have finished: the earliest of the body's `deadline` and the `Cancel-After` header (Replicate's
/// syntax, counted from now); the operator's default when neither is given (not for the legacy endpoint, which keeps
/// its behaviour); refused (422, naming the field) past the operator's ceiling.
package struct Deadlines: Sendable {
    /// `GATEWAY_DEFAULT_DEADLINE_SECONDS`.
    package var fallback: Duration?
    /// `GATEWAY_MAX_DEADLINE_SECONDS`.
    package var ceiling: Duration?

    package init(fallback: Duration?, ceiling: Duration?) {
        self.fallback = fallback
        self.ceiling = ceiling
    }

    static let cancelAfter = HTTPField.Name("Cancel-After")!

    /// A body `deadline` that has already passed (422): the only refusal a retry of an accepted request may outlive, so
    /// it is told apart (``GenerationRoutes`` answers such a retry with the generation it made).
    struct Passed: Error {
        var problem: Problem
    }

    /// The deadline for a request whose body asked for `body`, with `headers`; nil for none. A malformed or too-far one
    /// throws its problem; a body deadline already past throws ``Passed`` (after the header is checked).
    func resolve(body: Date?, headers: HTTPFields, applyDefault: Bool, now: Date = Date()) throws -> Date? {
        var candidates: [(field: String, at: Date)] = body.map { [("deadline", $0)] } ?? []
        if let raw = headers[Self.cancelAfter] {
            guard let seconds = GoDuration.seconds(raw), seconds > 0, seconds <= RequestLimits.cancelAfterSeconds else {
                throw Problem.validation([
                    .init(field: "Cancel-After", message: "must be a duration such as 30s, 5m or 1h30m, at most a year, got '\(raw)'")
                ])
            }
            candidates.append(("Cancel-After", now.addingTimeInterval(seconds)))
        }
        if let body, body <= now {
            throw Passed(problem: Problem.validation([.init(field: "deadline", message: "must be in the future, got \(Timestamp.format(body))")]))
        }
        if candidates.isEmpty, applyDefault, let fallback { return now.addingTimeInterval(fallback.seconds) }
        guard let earliest = candidates.min(by: { $0.at < $1.at }) else { return nil }
        if let ceiling, earliest.at.timeIntervalSince(now) > ceiling.seconds {
            throw Problem.validation([
                .init(field: earliest.field, message: "must be at most \(Int(ceiling.seconds)) seconds away (GATEWAY_MAX_DEADLINE_SECONDS)")
            ])
        }
        return earliest.at
    }
}
