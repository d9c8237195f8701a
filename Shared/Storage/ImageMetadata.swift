/// Removes the metadata an uploaded image carries beside its pixels: EXIF (camera, time, GPS position), XMP, IPTC and
/// text comments. The pixels and what renders them (JPEG tables, PNG palettes and colour profiles, WebP frames) are
/// copied byte for byte; nothing is decoded or re-encoded.
package enum ImageMetadata {
    /// `bytes` without their metadata; nil when their structure is broken (a segment or chunk runs past the end), which
    /// the caller refuses as not an image. GIF carries no EXIF and is returned as it is.
    package static func stripped(_ bytes: [UInt8], format: String) -> [UInt8]? {
        switch format {
        case "jpeg": return jpeg(bytes)
        case "png": return png(bytes)
        case "webp": return webp(bytes)
        case "gif": return bytes
        default: return nil
        }
    }

    /// JPEG: the segments before the scan, less APP1 (EXIF, XMP), APP13 (IPTC) and COM; then the scan as it is.
    private static func jpeg(_ b: [UInt8]) -> [UInt8]? {
        var out: [UInt8] = [0xFF, 0xD8]
        out.reserveCapacity(b.count)
        var i = 2
        while i + 4 <= b.count {
            guard b[i] == 0xFF else { return nil }
            let marker = b[i + 1]
            if marker == 0xFF {  // fill byte
                i += 1
                continue
            }
            let length = Int(b[i + 2]) << 8 | Int(b[i + 3])
            guard length >= 2, i + 2 + length <= b.count else { return nil }
            if marker == 0xDA {  // start of scan: the entropy-coded data and everything after it
                out += b[i...]
                return out
            }
            if ![0xE1, 0xED, 0xFE].contains(marker) { out += b[i..<(i + 2 + length)] }
            i += 2 + length
        }
        return nil
    }

    /// PNG: every chunk but `eXIf`, `tEXt`, `zTXt`, `iTXt` and `tIME`.
    private static func png(_ b: [UInt8]) -> [UInt8]? {
        var out = Array(b.prefix(8))
        out.reserveCapacity(b.count)
        var i = 8
        while i + 12 <= b.count {
            let length = be32(b, i)
            let type = String(decoding: b[(i + 4)..<(i + 8)], as: UTF8.self)
            let end = i + 12 + length
            guard length >= 0, end <= b.count else { return nil }
            if !["eXIf", "tEXt", "zTXt", "iTXt", "tIME"].contains(type) { out += b[i..<end] }
            i = end
            if type == "IEND" { return out }
        }
        return nil
    }

    /// WebP: every RIFF chunk but `EXIF` and `XMP `, with the extended header's flags for them cleared and the RIFF size
    /// made to fit.
    private static func webp(_ b: [UInt8]) -> [UInt8]? {
        guard b.count >= 12 else { return nil }
        var body: [UInt8] = Array("WEBP".utf8)
        var i = 12
        while i + 8 <= b.count {
            let type = String(decoding: b[i..<(i + 4)], as: UTF8.self)
            let size = le32(b, i + 4)
            let end = i + 8 + size + (size & 1)
            guard end <= b.count || (i + 8 + size == b.count) else { return nil }
            let chunk = b[i..<min(end, b.count)]
            if type == "VP8X", size >= 1 {
                var header = Array(chunk)
                header[8] &= ~UInt8(0x0C)  // the EXIF (0x08) and XMP (0x04) flags
                body += header
            } else if type != "EXIF" && type != "XMP " {
                body += chunk
            }
            i = end
        }
        let size = UInt32(body.count)
        return Array("RIFF".utf8) + [UInt8(size & 0xFF), UInt8(size >> 8 & 0xFF), UInt8(size >> 16 & 0xFF), UInt8(size >> 24)] + body
    }

    private static func be32(_ b: [UInt8], _ i: Int) -> Int { Int(b[i]) << 24 | Int(b[i + 1]) << 16 | Int(b[i + 2]) << 8 | Int(b[i + 3]) }
    private static func le32(_ b: [UInt8], _ i: Int) -> Int { Int(b[i]) | Int(b[i + 1]) << 8 | Int(b[i + 2]) << 16 | Int(b[i + 3]) << 24 }
}
