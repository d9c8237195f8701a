import CompressNIO
import Foundation
import NIOCore

/// Renders real, decodable output files: PNG (RGB, zlib-compressed) and SVG, varying with prompt and seed.
enum ImageRenderer {
    /// A `width`×`height` PNG whose colours and pattern derive from `seed`: a diagonal gradient between two colours with
    /// bands. It is an indexed-colour PNG: the pixels hold a gradient step (0–127, +128 inside a band) and the palette,
    /// derived from the seed, colours them. Every pixel depends only on `x + y`, so each row is a slice of one table.
    static func png(width: Int, height: Int, seed: UInt64) -> [UInt8] {
        var rng = SplitMix(seed: seed)
        let a = (Double(rng.next() & 0xFF), Double(rng.next() & 0xFF), Double(rng.next() & 0xFF))
        let b = (Double(rng.next() & 0xFF), Double(rng.next() & 0xFF), Double(rng.next() & 0xFF))
        let stripe = Int(rng.next() % 48) + 16
        var palette: [UInt8] = []
        palette.reserveCapacity(256 * 3)
        for index in 0..<256 {
            let t = Double(index % 128) / 127
            let band = index < 128 ? 1.0 : 0.85
            for (from, to) in [(a.0, b.0), (a.1, b.1), (a.2, b.2)] { palette.append(UInt8(min(255, (from * (1 - t) + to * t) * band))) }
        }
        let diagonal = max(width + height - 2, 1)
        let steps = (0..<(width + height)).map { sum in UInt8(sum * 127 / diagonal + ((sum / stripe) % 2 == 0 ? 0 : 128)) }
        var raw = ByteBufferAllocator().buffer(capacity: (width + 1) * height)
        for y in 0..<height {
            raw.writeInteger(UInt8(0))  // filter: none
            raw.writeBytes(steps[y..<(y + width)])
        }
        let compressed = (try? raw.compress(with: .zlib(configuration: .init(compressionLevel: .init(rawValue: 1)!)))) ?? raw
        var png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        var header: [UInt8] = []
        header += bigEndian(UInt32(width)) + bigEndian(UInt32(height))
        header += [8, 3, 0, 0, 0]  // 8-bit palette indices, deflate, adaptive filtering, no interlace
        chunk("IHDR", header, into: &png)
        chunk("PLTE", palette, into: &png)
        chunk("IDAT", Array(compressed.readableBytesView), into: &png)
        chunk("IEND", [], into: &png)
        return png
    }

    /// An SVG of `width`×`height` with shapes derived from `seed`.
    static func svg(width: Int, height: Int, seed: UInt64) -> [UInt8] {
        var rng = SplitMix(seed: seed)
        func colour() -> String { String(format: "#%06x", rng.next() & 0xFFFFFF) }
        var shapes = ""
        for _ in 0..<6 {
            let cx = Int(rng.next() % UInt64(max(width, 1)))
            let cy = Int(rng.next() % UInt64(max(height, 1)))
            let r = Int(rng.next() % UInt64(max(min(width, height) / 4, 1))) + 8
            shapes += "<circle cx=\"\(cx)\" cy=\"\(cy)\" r=\"\(r)\" fill=\"\(colour())\"/>"
        }
        let text = """
            <?xml version="1.0" encoding="UTF-8"?>
            <svg xmlns="http://www.w3.org/2000/svg" width="\(width)" height="\(height)" viewBox="0 0 \(width) \(height)">\
            <rect width="\(width)" height="\(height)" fill="\(colour())"/>\(shapes)</svg>

            """
        return Array(text.utf8)
    }

    private static func chunk(_ type: String, _ data: [UInt8], into png: inout [UInt8]) {
        let typeBytes = Array(type.utf8)
        png += bigEndian(UInt32(data.count))
        png += typeBytes
        png += data
        png += bigEndian(CRC32.checksum(typeBytes + data))
    }

    private static func bigEndian(_ value: UInt32) -> [UInt8] {
        [UInt8(value >> 24), UInt8((value >> 16) & 0xFF), UInt8((value >> 8) & 0xFF), UInt8(value & 0xFF)]
    }
}

/// A small deterministic generator, so the same prompt and seed render the same picture.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// CRC-32 (ISO-HDLC), as PNG chunks need.
enum CRC32 {
    static let table: [UInt32] = (0..<256).map { n in
        var c = UInt32(n)
        for _ in 0..<8 { c = c & 1 != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
        return c
    }

    static func checksum(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes { crc = table[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8) }
        return crc ^ 0xFFFF_FFFF
    }
}

/// FNV-1a, a stable hash of prompt and seed for rendering.
func stableHash(_ text: String) -> UInt64 {
    var hash: UInt64 = 0xCBF2_9CE4_8422_2325
    for byte in text.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01B3 }
    return hash
}
