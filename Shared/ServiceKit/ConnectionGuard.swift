import Hummingbird
import HummingbirdCore
import NIOCore
import NIOHTTPTypes
import Synchronization

/// What keeps a listener from being held open: a new connection must send a complete request head within
/// `HTTP_HEADER_TIMEOUT_SECONDS`, a connection with no traffic for `HTTP_IDLE_TIMEOUT_SECONDS` is closed, and past
/// `HTTP_MAX_CONNECTIONS` open at once a new one is closed at once.
extension HTTPServerBuilder {
    /// HTTP/1.1 with the guards of `settings`.
    package static func guarded(_ settings: HTTPSettings) -> HTTPServerBuilder {
        let open = OpenConnections()
        let (cap, headerTimeout) = (settings.maxConnections, settings.headerTimeout)
        return .http1(
            configuration: .init(
                additionalChannelHandlers: [ConnectionGuard(open: open, cap: cap, headerTimeout: TimeAmount(headerTimeout))],
                idleTimeout: TimeAmount(settings.idleTimeout)
            ))
    }
}

/// The connections a listener has open.
final class OpenConnections: Sendable {
    private let count = Atomic(0)
    func add() -> Int { count.add(1, ordering: .relaxed).newValue }
    func remove() { count.subtract(1, ordering: .relaxed) }
}

/// Counts its connection against the cap (closing it when over), and closes it when no request head arrives in time.
final class ConnectionGuard: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart

    private let open: OpenConnections
    private let cap: Int
    private let headerTimeout: TimeAmount
    private var counted = false
    private var timer: Scheduled<Void>?

    init(open: OpenConnections, cap: Int, headerTimeout: TimeAmount) {
        self.open = open
        self.cap = cap
        self.headerTimeout = headerTimeout
    }

    func handlerAdded(context: ChannelHandlerContext) {
        counted = true
        guard open.add() <= cap else {
            context.close(promise: nil)
            return
        }
        let channel = context.channel
        timer = context.eventLoop.scheduleTask(in: headerTimeout) { channel.close(promise: nil) }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if case .head = unwrapInboundIn(data) {
            timer?.cancel()
            timer = nil
        }
        context.fireChannelRead(data)
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        timer?.cancel()
        timer = nil
        if counted {
            counted = false
            open.remove()
        }
    }
}
