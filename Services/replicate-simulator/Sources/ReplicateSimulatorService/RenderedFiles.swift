import Synchronization

/// Output files already rendered, by what determines their bytes (format, size, seed): Replicate serves an output from
/// its CDN, rendered once on a GPU that is not ours, so the simulator renders each one once too rather than compressing
/// megabytes of pixels on every download. Bounded: past `capacity` files the oldest half is forgotten.
final class RenderedFiles: Sendable {
    private let capacity: Int
    private let files = Mutex<(bytes: [String: [UInt8]], order: [String])>(([:], []))

    init(capacity: Int = 64) {
        self.capacity = capacity
    }

    func bytes(for key: String, render: () -> [UInt8]) -> [UInt8] {
        if let bytes = files.withLock({ $0.bytes[key] }) { return bytes }
        let bytes = render()
        files.withLock { files in
            guard files.bytes[key] == nil else { return }
            if files.order.count >= capacity {
                for old in files.order.prefix(capacity / 2) { files.bytes[old] = nil }
                files.order.removeFirst(capacity / 2)
            }
            files.bytes[key] = bytes
            files.order.append(key)
        }
        return bytes
    }
}
