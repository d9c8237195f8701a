import Foundation

/// Small images built byte by byte the way cameras and editors write them, metadata included: the structure is real
/// (segments, chunks, lengths, CRCs), the pixel data a placeholder no decoder is asked to read.
package enum SampleImages {
    /// What every sample's metadata says, so a test can look for it in what was kept.
    package static let secret = "GPS 51.5007N 0.1246W"

    /// SOI, APP0 (JFIF), APP1 (EXIF naming ``secret``), COM, DQT, SOF0 (`width`×`height`), SOS, scan data, EOI.
    package static func jpeg(width: Int = 800, height: Int = 600, metadata: Bool = true) -> [UInt8] {
        func segment(_ marker: UInt8, _ payload: [UInt8]) -> [UInt8] {
            [0xFF, marker, UInt8((payload.count + 2) >> 8), UInt8((payload.count + 2) & 0xFF)] + payload
        }
        var bytes: [UInt8] = [0xFF, 0xD8]
        bytes += segment(0xE0, Array("JFIF".utf8) + [0, 1, 1, 0, 0, 1, 0, 1, 0, 0])
        if metadata {
            bytes += segment(0xE1, Array("Exif".utf8) + [0, 0] + Array("MM".utf8) + [0, 42, 0, 0, 0, 8] + Array(secret.utf8))
            bytes += segment(0xFE, Array("taken by \(secret)".utf8))
        }
        bytes += segment(0xDB, [0] + [UInt8](repeating: 1, count: 64))
        bytes += segment(0xC0, [8, UInt8(height >> 8), UInt8(height & 0xFF), UInt8(width >> 8), UInt8(width & 0xFF), 1, 1, 0x11, 0])
        bytes += segment(0xDA, [1, 1, 0, 0, 0x3F, 0])
        bytes += [0x12, 0x34, 0xFF, 0x00, 0x56, 0xFF, 0xD9]
        return bytes
    }

    /// Signature, IHDR (`width`×`height`, 8-bit RGB), tEXt and eXIf naming ``secret``, IDAT, IEND.
    package static func png(width: Int = 64, height: Int = 48, metadata: Bool = true) -> [UInt8] {
        func chunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
            let body = Array(type.utf8) + data
            return be32(data.count) + body + be32(Int(crc32(body)))
        }
        var bytes: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        bytes += chunk("IHDR", be32(width) + be32(height) + [8, 2, 0, 0, 0])
        if metadata {
            bytes += chunk("tEXt", Array("Comment".utf8) + [0] + Array(secret.utf8))
            bytes += chunk("eXIf", Array("MM".utf8) + [0, 42] + Array(secret.utf8))
        }
        bytes += chunk("IDAT", [0x78, 0x9C, 0x63, 0x00, 0x00, 0x00, 0x01, 0x00, 0x01])
        bytes += chunk("IEND", [])
        return bytes
    }

    /// RIFF/WEBP: VP8X (alpha, and the EXIF and XMP flags), VP8L, an odd-sized EXIF chunk (padded) and XMP, both
    /// naming ``secret``.
    package static func webp(width: Int = 320, height: Int = 200, metadata: Bool = true) -> [UInt8] {
        func chunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
            Array(type.utf8) + le32(data.count) + data + (data.count % 2 == 1 ? [0] : [])
        }
        let flags: UInt8 = 0x10 | (metadata ? 0x0C : 0)
        var body: [UInt8] = Array("WEBP".utf8)
        body += chunk("VP8X", [flags, 0, 0, 0] + le24(width - 1) + le24(height - 1))
        let bits = UInt32(width - 1) | UInt32(height - 1) << 14
        body += chunk("VP8L", [0x2F] + le32(Int(bits)) + [0, 0, 0])
        if metadata {
            body += chunk("EXIF", Array("MM".utf8) + [0, 42] + Array(secret.utf8) + [7])
            body += chunk("XMP ", Array("<x:xmpmeta>\(secret)</x:xmpmeta>".utf8))
        }
        return Array("RIFF".utf8) + le32(body.count) + body
    }

    /// Whether `needle` occurs in `bytes`.
    package static func contains(_ bytes: [UInt8], _ needle: String) -> Bool {
        let pattern = Array(needle.utf8)
        guard bytes.count >= pattern.count else { return false }
        return (0...(bytes.count - pattern.count)).contains { Array(bytes[$0..<($0 + pattern.count)]) == pattern }
    }

    private static func be32(_ value: Int) -> [UInt8] {
        [UInt8(value >> 24 & 0xFF), UInt8(value >> 16 & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF)]
    }
    private static func le32(_ value: Int) -> [UInt8] {
        [UInt8(value & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value >> 16 & 0xFF), UInt8(value >> 24 & 0xFF)]
    }
    private static func le24(_ value: Int) -> [UInt8] { [UInt8(value & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value >> 16 & 0xFF)] }

    private static func crc32(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
        }
        return ~crc
    }
}
