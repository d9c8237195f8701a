import Foundation
import Storage
import Testing

@Suite("Image inspection")
struct ImageInspectorTests {
    @Test("PNG, JPEG, GIF, WebP and SVG are recognised by their bytes, with their real dimensions")
    func formats() throws {
        let png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52, 0, 0, 5, 0, 0, 0, 2, 0xD0, 8, 2]
        #expect(ImageInspector.inspect(png) == ImageInfo(format: "png", contentType: "image/png", width: 1280, height: 720))
        // JPEG: SOI, an APP0 segment, then SOF0 with height 600 and width 800.
        let jpeg: [UInt8] = [0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x04, 0x00, 0x00, 0xFF, 0xC0, 0x00, 0x11, 0x08, 0x02, 0x58, 0x03, 0x20, 0x03, 0, 0, 0, 0]
        #expect(ImageInspector.inspect(jpeg) == ImageInfo(format: "jpeg", contentType: "image/jpeg", width: 800, height: 600))
        let gif: [UInt8] = Array("GIF89a".utf8) + [0x40, 0x01, 0xF0, 0x00]
        #expect(ImageInspector.inspect(gif) == ImageInfo(format: "gif", contentType: "image/gif", width: 320, height: 240))
        var webp: [UInt8] = Array("RIFF".utf8) + [0, 0, 0, 0] + Array("WEBPVP8X".utf8) + [10, 0, 0, 0, 0, 0, 0, 0]
        webp += [0xFF, 0x03, 0x00, 0xFF, 0x02, 0x00]  // width-1 = 1023, height-1 = 767 (24-bit little endian)
        #expect(ImageInspector.inspect(webp) == ImageInfo(format: "webp", contentType: "image/webp", width: 1024, height: 768))
        let svg = Array(#"<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="1024" height="1707"></svg>"#.utf8)
        #expect(ImageInspector.inspect(svg) == ImageInfo(format: "svg", contentType: "image/svg+xml", width: 1024, height: 1707))
        // Only a viewBox: the size comes from it; a stroke-width is not the width.
        let viewBoxOnly = Array(#"<svg xmlns="http://www.w3.org/2000/svg" stroke-width="3" viewBox="0 0 640,480"><rect/></svg>"#.utf8)
        #expect(ImageInspector.inspect(viewBoxOnly) == ImageInfo(format: "svg", contentType: "image/svg+xml", width: 640, height: 480))
    }

    @Test(
        "Anything else is not an image",
        arguments: [
            Array("<html>nope</html>".utf8), [UInt8](repeating: 0, count: 64), Array("GIF".utf8), [0x89, 0x50, 0x4E, 0x47],
        ])
    func notImages(bytes: [UInt8]) {
        #expect(ImageInspector.inspect(bytes) == nil)
    }

    @Test("Storage writes through a temp file and renames it atomically to the name given at commit, hashing what it wrote")
    func storage() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("storage-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        let storage = FileImageStorage(root: root)
        let writer = try await storage.writer(for: "user/gen.download")
        try await writer.append(Array("hello ".utf8))
        try await writer.append(Array("world".utf8))
        #expect(try FileManager.default.contentsOfDirectory(atPath: root + "/user").allSatisfy { $0.hasSuffix(".tmp") })
        let (size, digest) = try await writer.commit(as: "user/gen.png", contentType: "image/png")
        #expect(size == 11)
        #expect(digest == "b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9")
        #expect(FileManager.default.contents(atPath: root + "/user/gen.png") == Data("hello world".utf8))
        await #expect(throws: (any Error).self) { _ = try await storage.writer(for: "../escape") }
        let escaping = try await storage.writer(for: "user/third.download")
        await #expect(throws: (any Error).self) { _ = try await escaping.commit(as: "../escape.png", contentType: "image/png") }
        await escaping.abandon()
        let abandoned = try await storage.writer(for: "user/other.download")
        await abandoned.abandon()
        #expect(try FileManager.default.contentsOfDirectory(atPath: root + "/user") == ["gen.png"])
    }
}
