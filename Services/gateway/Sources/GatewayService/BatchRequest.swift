import Foundation
import Hummingbird
import NIOCore
import PublicAPI
import ServiceKit
import WireFormat

/// The items of a `POST /v1/batches`, in one of three shapes:
/// - JSON `{"items": [request, …]}`;
/// - JSON Lines (`Content-Type: application/x-ndjson`): a request per line, read as it arrives (the body is never held
///   whole: each line is parsed when its newline comes);
/// - JSON `{"template": request, "matrix": {"field": [value, …], …}}`: every combination of the matrix's values over
///   the template (fields in name order, the first varying slowest).
/// At most ``RequestLimits/batchItems`` items and ``RequestLimits/batchBytes`` bytes; each item is validated later. A
/// `webhook` for the batch's `batch.completed` event comes beside the JSON shapes' items, or as the query parameter
/// `webhook` (any shape; the only way with JSON Lines).
enum BatchRequest {
    static func read(_ request: Request) async throws -> (items: [JSONValue], webhook: String?) {
        let type = request.headers[.contentType]?.split(separator: ";").first?.trimmingCharacters(in: .whitespaces).lowercased()
        let query = request.uri.queryParameters.get("webhook")
        if type == "application/x-ndjson" || type == "application/jsonl" { return (try await lines(of: request.body), query) }
        let body = try await request.decodeJSON(JSONValue.self, limit: RequestLimits.batchBytes)
        guard case .object(let fields) = body else { throw Problem(.badRequest, title: "Malformed JSON", detail: "body must be a JSON object") }
        let unknown = Set(fields.keys).subtracting(["items", "template", "matrix", "webhook"])
        if let field = unknown.sorted().first { throw Problem.validation([.init(field: field, message: "is not a batch field")]) }
        var webhook = query
        switch fields["webhook"] {
        case nil, .null?: break
        case .string(let url)? where query == nil: webhook = url
        case .string?: throw Problem.validation([.init(field: "webhook", message: "give it once: in the body or as the query parameter")])
        default: throw Problem.validation([.init(field: "webhook", message: "must be a URL string")])
        }
        switch (fields["items"], fields["template"], fields["matrix"]) {
        case (.array(let items)?, nil, nil):
            return (try counted(items), webhook)
        case (nil, .object(let template)?, .object(let matrix)?):
            return (try combinations(of: template, over: matrix), webhook)
        default:
            throw Problem.validation([
                .init(field: "items", message: "send either items (an array of generation requests) or template (an object) with matrix")
            ])
        }
    }

    private static func counted(_ items: [JSONValue]) throws -> [JSONValue] {
        guard !items.isEmpty else { throw Problem.validation([.init(field: "items", message: "must hold at least one item")]) }
        guard items.count <= RequestLimits.batchItems else {
            throw Problem.validation([.init(field: "items", message: "must hold at most \(RequestLimits.batchItems) items, got \(items.count)")])
        }
        return items
    }

    /// Every combination of `matrix`'s values over `template`.
    private static func combinations(of template: [String: JSONValue], over matrix: [String: JSONValue]) throws -> [JSONValue] {
        var axes: [(field: String, values: [JSONValue])] = []
        var total = 1
        for field in matrix.keys.sorted() {
            guard case .array(let values) = matrix[field], !values.isEmpty else {
                throw Problem.validation([.init(field: "matrix.\(field)", message: "must be a non-empty array of values")])
            }
            total *= values.count
            guard total <= RequestLimits.batchItems else {
                throw Problem.validation([
                    .init(field: "matrix", message: "makes more than \(RequestLimits.batchItems) combinations")
                ])
            }
            axes.append((field, values))
        }
        guard !axes.isEmpty else { throw Problem.validation([.init(field: "matrix", message: "must name at least one field")]) }
        var items: [JSONValue] = [.object(template)]
        for (field, values) in axes {
            items = items.flatMap { item -> [JSONValue] in
                guard case .object(let fields) = item else { return [] }
                return values.map { value in
                    var combined = fields
                    combined[field] = value
                    return .object(combined)
                }
            }
        }
        return items
    }

    /// A request per non-blank line of `body`.
    private static func lines(of body: RequestBody) async throws -> [JSONValue] {
        var items: [JSONValue] = []
        var pending: [UInt8] = []
        var bytes = 0
        var line = 0
        func take(_ raw: ArraySlice<UInt8>) throws {
            line += 1
            guard raw.contains(where: { !($0 == 32 || $0 == 9 || $0 == 13) }) else { return }
            guard items.count < RequestLimits.batchItems else {
                throw Problem.validation([.init(field: "items", message: "must hold at most \(RequestLimits.batchItems) items")])
            }
            do {
                items.append(try JSONCoding.decoder().decode(JSONValue.self, from: Data(raw)))
            } catch {
                throw Problem(.badRequest, title: "Malformed JSON Lines", detail: "line \(line) is not JSON")
            }
        }
        for try await buffer in body {
            bytes += buffer.readableBytes
            guard bytes <= RequestLimits.batchBytes else {
                throw Problem(.contentTooLarge, detail: "Request body exceeds \(RequestLimits.batchBytes) bytes")
            }
            pending += buffer.readableBytesView
            while let newline = pending.firstIndex(of: 10) {
                try take(pending[..<newline])
                pending.removeSubrange(...newline)
            }
        }
        try take(pending[...])
        return try counted(items)
    }
}
