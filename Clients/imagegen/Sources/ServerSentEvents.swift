import AsyncHTTPClient
import NIOCore

/// One Server-Sent Event: its `id`, `event` name and `data` (lines joined by newlines).
struct ServerSentEvent: Sendable, Equatable {
    var id: String?
    var name: String
    var data: String
}

/// The events of a `text/event-stream` body, as the HTML spec parses them: fields per line, a blank line dispatches,
/// comments (`: heartbeat`) skipped, lines ending in LF, CRLF or CR.
struct ServerSentEvents: AsyncSequence {
    typealias Element = ServerSentEvent
    let body: HTTPClientResponse.Body

    init(_ body: HTTPClientResponse.Body) { self.body = body }

    struct AsyncIterator: AsyncIteratorProtocol {
        var chunks: HTTPClientResponse.Body.AsyncIterator
        var buffer: [UInt8] = []
        var event = ServerSentEvent(id: nil, name: "message", data: "")
        var hasData = false

        mutating func next() async throws -> ServerSentEvent? {
            while true {
                while let line = nextLine() {
                    if let event = feed(line) { return event }
                }
                guard let chunk = try await chunks.next() else { return nil }
                buffer += chunk.readableBytesView
            }
        }

        private mutating func nextLine() -> String? {
            guard let end = buffer.firstIndex(where: { $0 == 10 || $0 == 13 }) else { return nil }
            let line = String(decoding: buffer[..<end], as: UTF8.self)
            var next = end + 1
            if buffer[end] == 13 {
                guard next < buffer.count else { return nil }  // a CR at the end of a chunk: wait for a possible LF
                if buffer[next] == 10 { next += 1 }
            }
            buffer.removeFirst(next)
            return line
        }

        private mutating func feed(_ line: String) -> ServerSentEvent? {
            if line.isEmpty {
                defer {
                    event = ServerSentEvent(id: event.id, name: "message", data: "")
                    hasData = false
                }
                return hasData ? event : nil
            }
            if line.hasPrefix(":") { return nil }
            let (field, value): (Substring, Substring)
            if let colon = line.firstIndex(of: ":") {
                field = line[..<colon]
                let rest = line[line.index(after: colon)...]
                value = rest.hasPrefix(" ") ? rest.dropFirst() : rest
            } else {
                (field, value) = (Substring(line), "")
            }
            switch field {
            case "id": event.id = String(value)
            case "event": event.name = String(value)
            case "data":
                event.data += hasData ? "\n" + value : String(value)
                hasData = true
            default: break
            }
            return nil
        }
    }

    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(chunks: body.makeAsyncIterator()) }
}
