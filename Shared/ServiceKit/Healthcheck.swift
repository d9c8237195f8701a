import Foundation

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// `<service> healthcheck`: exits 0 when this host's `/health/live` answers 200 (container healthchecks need no curl).
package enum Healthcheck {
    package static func run(port: Int) -> Int32 {
        guard let url = URL(string: "http://127.0.0.1:\(port)/health/live") else { return 1 }
        let done = DispatchSemaphore(value: 0)
        let status = StatusBox()
        let task = URLSession.shared.dataTask(with: url) { _, response, _ in
            status.code = (response as? HTTPURLResponse)?.statusCode ?? 0
            done.signal()
        }
        task.resume()
        guard done.wait(timeout: .now() + 5) == .success else { return 1 }
        return status.code == 200 ? 0 : 1
    }

    private final class StatusBox: @unchecked Sendable {
        var code = 0
    }
}
