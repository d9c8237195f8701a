import Foundation

/// What a byte stream's header says it is: the format by magic bytes and the pixel size from the format's own header.
package struct ImageInfo: Sendable, Equatable {
    package var format: String
    package var contentType: String
    package var width: Int
    package var height: Int

    package init(format: String, contentType: String, width: Int, height: Int) {
        self.format = format
        self.contentType = contentType
        self.width = width
        self.height = height
    }
}

/// Recognises PNG, JPEG, WebP, GIF and SVG from their first bytes and measures their dimensions.
package enum ImageInspector {
    /// Whether `bytes` begin like a PNG, GIF, JPEG or WebP (anything else may turn out to be an SVG).
    package static func startsAsRaster(_ bytes: some Collection<UInt8>) -> Bool {
        let head = Array(bytes.prefix(4))
        return [[0x89, 0x50, 0x4E, 0x47], Array("GIF8".utf8), [0xFF, 0xD8, 0xFF], Array("RIFF".utf8)].contains { head.starts(with: $0) }
    }

    /// Inspects `bytes` (the whole file, or at least its first 64 KiB); nil when it is not an image of a known kind.
    package static func inspect(_ bytes: [UInt8]) -> ImageInfo? {
        if bytes.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]), bytes.count >= 24, Array(bytes[12..<16]) == Array("IHDR".utf8) {
            return ImageInfo(format: "png", contentType: "image/png", width: be32(bytes, 16), height: be32(bytes, 20))
        }
        if bytes.starts(with: Array("GIF8".utf8)), bytes.count >= 10 {
            return ImageInfo(format: "gif", contentType: "image/gif", width: le16(bytes, 6), height: le16(bytes, 8))
        }
        if bytes.starts(with: [0xFF, 0xD8, 0xFF]) { return jpeg(bytes) }
        if bytes.count >= 30, bytes.starts(with: Array("RIFF".utf8)), Array(bytes[8..<12]) == Array("WEBP".utf8) { return webp(bytes) }
        if let text = String(bytes: bytes.prefix(4096), encoding: .utf8), text.contains("<svg") { return svg(text) }
        return nil
    }

    private static func jpeg(_ b: [UInt8]) -> ImageInfo? {
        var i = 2
        while i + 9 < b.count {
            guard b[i] == 0xFF else { return nil }
            let marker = b[i + 1]
            if marker == 0xD8 || marker == 0x01 || (0xD0...0xD7).contains(marker) {
                i += 2
                continue
            }
            let length = be16(b, i + 2)
            if (0xC0...0xCF).contains(marker) && ![0xC4, 0xC8, 0xCC].contains(marker) {
                return ImageInfo(format: "jpeg", contentType: "image/jpeg", width: be16(b, i + 7), height: be16(b, i + 5))
            }
            i += 2 + length
        }
        return nil
    }

    private static func webp(_ b: [UInt8]) -> ImageInfo? {
        let chunk = String(decoding: b[12..<16], as: UTF8.self)
        switch chunk {
        case "VP8X": return ImageInfo(format: "webp", contentType: "image/webp", width: le24(b, 24) + 1, height: le24(b, 27) + 1)
        case "VP8 ": return ImageInfo(format: "webp", contentType: "image/webp", width: le16(b, 26) & 0x3FFF, height: le16(b, 28) & 0x3FFF)
        case "VP8L":
            let bits = UInt32(b[21]) | UInt32(b[22]) << 8 | UInt32(b[23]) << 16 | UInt32(b[24]) << 24
            return ImageInfo(format: "webp", contentType: "image/webp", width: Int(bits & 0x3FFF) + 1, height: Int((bits >> 14) & 0x3FFF) + 1)
        default: return nil
        }
    }

    /// The size of an SVG from its root element: `width` and `height` in user units, else its `viewBox`.
    private static func svg(_ text: String) -> ImageInfo? {
        guard let start = text.range(of: "<svg"), let end = text[start.upperBound...].firstIndex(of: ">") else { return nil }
        let tag = String(text[start.upperBound..<end])
        func attribute(_ name: String) -> String? {
            let pattern = #"(?:^|\s)"# + name + #"\s*=\s*["']([^"']*)["']"#
            guard let regex = try? Regex(pattern, as: (Substring, Substring).self), let match = tag.firstMatch(of: regex) else { return nil }
            return String(match.1)
        }
        func number(_ raw: String?) -> Int? {
            guard let raw else { return nil }
            let digits = raw.trimmingCharacters(in: .whitespaces).prefix { $0.isNumber || $0 == "." }
            return Double(digits).map { Int($0.rounded()) }
        }
        var width = number(attribute("width"))
        var height = number(attribute("height"))
        if width == nil || height == nil, let box = attribute("viewBox") {
            let parts = box.split(whereSeparator: { $0 == " " || $0 == "," }).compactMap { Double($0) }
            if parts.count == 4 {
                width = width ?? Int(parts[2].rounded())
                height = height ?? Int(parts[3].rounded())
            }
        }
        guard let width, let height, width > 0, height > 0 else { return nil }
        return ImageInfo(format: "svg", contentType: "image/svg+xml", width: width, height: height)
    }

    private static func be32(_ b: [UInt8], _ i: Int) -> Int { Int(b[i]) << 24 | Int(b[i + 1]) << 16 | Int(b[i + 2]) << 8 | Int(b[i + 3]) }
    private static func be16(_ b: [UInt8], _ i: Int) -> Int { Int(b[i]) << 8 | Int(b[i + 1]) }
    private static func le16(_ b: [UInt8], _ i: Int) -> Int { Int(b[i]) | Int(b[i + 1]) << 8 }
    private static func le24(_ b: [UInt8], _ i: Int) -> Int { Int(b[i]) | Int(b[i + 1]) << 8 | Int(b[i + 2]) << 16 }
}
