import Storage
import TestSupport
import Testing

@Suite("Image metadata")
struct ImageMetadataTests {
    @Test("EXIF, XMP and text go; what renders the image stays byte for byte", arguments: ["jpeg", "png", "webp"])
    func stripped(format: String) throws {
        let (tagged, plain): ([UInt8], [UInt8]) =
            switch format {
            case "jpeg": (SampleImages.jpeg(), SampleImages.jpeg(metadata: false))
            case "png": (SampleImages.png(), SampleImages.png(metadata: false))
            default: (SampleImages.webp(), SampleImages.webp(metadata: false))
            }
        #expect(SampleImages.contains(tagged, SampleImages.secret))
        let clean = try #require(ImageMetadata.stripped(tagged, format: format))
        #expect(!SampleImages.contains(clean, SampleImages.secret))
        // Exactly the image written without metadata: for WebP that includes the RIFF size and the VP8X flags.
        #expect(clean == plain)
        #expect(ImageInspector.inspect(clean) == ImageInspector.inspect(tagged))
    }

    @Test("An image whose segment or chunk runs past its end is refused, not passed on")
    func truncated() {
        #expect(ImageMetadata.stripped(Array(SampleImages.jpeg().prefix(30)), format: "jpeg") == nil)
        #expect(ImageMetadata.stripped(Array(SampleImages.png().prefix(40)), format: "png") == nil)
        #expect(ImageMetadata.stripped(Array(SampleImages.webp().dropLast(3)), format: "webp") == nil)
    }
}
