import Crypto
import Foundation
import Hummingbird
import MultipartKit
import PublicAPI
import ServiceKit
import Storage
import WireFormat

/// An uploaded image read from `POST /v1/files` and made safe to keep: its type taken from its bytes, its size checked,
/// its metadata (EXIF, XMP, text) removed.
struct InputFileUpload {
    var bytes: [UInt8]
    var info: ImageInfo
    var sha256: String

    /// Reads the image from the body: raw, with its own `Content-Type` (`image/png`, …, or `application/octet-stream`), or
    /// the part named `file` of a `multipart/form-data` body. At most `maxBytes`: 413 past it, as soon as it is known,
    /// without reading the rest.
    static func read(_ request: Request, maxBytes: Int) async throws -> InputFileUpload {
        let contentType = request.headers[.contentType] ?? ""
        let media = contentType.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() } ?? ""
        if let length = request.headers[.contentLength].flatMap(Int.init), length > maxBytes + (media.hasPrefix("multipart/") ? 16 << 10 : 0) {
            throw tooLarge(maxBytes)
        }
        let bytes: [UInt8]
        let declared: String?
        switch media {
        case "multipart/form-data":
            guard let boundary = parameter("boundary", of: contentType), !boundary.isEmpty, boundary.count <= 200 else {
                throw Problem(.badRequest, title: "Malformed multipart body", detail: "Content-Type multipart/form-data needs its boundary parameter")
            }
            (bytes, declared) = try await filePart(of: request.body, boundary: boundary, maxBytes: maxBytes)
        case _ where media.hasPrefix("image/"), "application/octet-stream":
            do {
                bytes = Array(try await request.body.collect(upTo: maxBytes).readableBytesView)
            } catch {
                throw tooLarge(maxBytes)
            }
            declared = media.hasPrefix("image/") ? media : nil
        default:
            throw Problem(
                .unsupportedMediaType,
                detail:
                    "Send the image as the body with its own Content-Type (\(RequestLimits.inputFileTypes.joined(separator: ", "))) or as the part named file of multipart/form-data; got \(media.isEmpty ? "no Content-Type" : media)"
            )
        }
        return try checked(bytes, declared: declared)
    }

    /// The upload's type, size and structure checked, and its metadata removed; a 422 naming `file` otherwise.
    static func checked(_ bytes: [UInt8], declared: String?) throws -> InputFileUpload {
        func refuse(_ message: String) -> Problem { Problem.validation([.init(field: "file", message: message)]) }
        guard !bytes.isEmpty else { throw refuse("is empty") }
        guard let info = ImageInspector.inspect(bytes), RequestLimits.inputFileTypes.contains(info.contentType) else {
            throw refuse("must be a PNG, JPEG, WebP or GIF image (judged by its bytes, not its name or declared type)")
        }
        let declaredType = declared == "image/jpg" ? "image/jpeg" : declared
        if let declaredType, declaredType != info.contentType {
            throw refuse("is declared as \(declaredType) but its bytes are \(info.contentType)")
        }
        guard RequestLimits.inputFileSide.contains(info.width), RequestLimits.inputFileSide.contains(info.height) else {
            throw refuse(
                "is \(info.width)x\(info.height); each side must be \(RequestLimits.inputFileSide.lowerBound) to \(RequestLimits.inputFileSide.upperBound) pixels"
            )
        }
        guard let clean = ImageMetadata.stripped(bytes, format: info.format) else { throw refuse("is a truncated or malformed \(info.format)") }
        return InputFileUpload(bytes: clean, info: info, sha256: SHA256.hash(data: clean).hexString)
    }

    static func tooLarge(_ maxBytes: Int) -> Problem {
        Problem(.contentTooLarge, detail: "An input file may have at most \(maxBytes) bytes (FILES_MAX_UPLOAD_BYTES)")
    }

    /// The bytes and declared type of the part named `file`, read as the body streams in (never more than `maxBytes`
    /// of it held).
    private static func filePart(of body: RequestBody, boundary: String, maxBytes: Int) async throws -> ([UInt8], String?) {
        final class Parts {
            var headers: [(String, String)] = []
            var isFile = false
            var bytes: [UInt8]?
            var type: String?
            var overLimit = false
        }
        let parts = Parts()
        let parser = MultipartParser(boundary: boundary)
        parser.onHeader = { name, value in parts.headers.append((name.lowercased(), value)) }
        parser.onBody = { buffer in
            if !parts.isFile, parts.bytes == nil,
                let disposition = parts.headers.first(where: { $0.0 == "content-disposition" })?.1,
                parameter("name", of: disposition) == "file"
            {
                parts.isFile = true
                parts.bytes = []
                parts.type = parts.headers.first { $0.0 == "content-type" }?.1.lowercased()
            }
            guard parts.isFile, !parts.overLimit else { return }
            if (parts.bytes?.count ?? 0) + buffer.readableBytes > maxBytes {
                parts.overLimit = true
            } else {
                parts.bytes?.append(contentsOf: buffer.readableBytesView)
            }
        }
        parser.onPartComplete = {
            parts.headers = []
            parts.isFile = false
        }
        do {
            for try await chunk in body {
                try parser.execute(chunk)
                if parts.overLimit { throw tooLarge(maxBytes) }
            }
        } catch let problem as Problem {
            throw problem
        } catch {
            throw Problem(.badRequest, title: "Malformed multipart body", detail: "The multipart/form-data body could not be read")
        }
        guard let bytes = parts.bytes else {
            throw Problem.validation([.init(field: "file", message: "is required: the multipart body has no part named file")])
        }
        let type = parts.type.map { $0.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces) } ?? $0 }
        return (bytes, type?.hasPrefix("image/") == true ? type : nil)
    }

    /// A `name=value` (or `name="value"`) parameter of a header value.
    static func parameter(_ name: String, of header: String) -> String? {
        for piece in header.split(separator: ";").dropFirst() {
            let pair = piece.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard pair.count == 2, pair[0].lowercased() == name else { continue }
            return pair[1].count >= 2 && pair[1].hasPrefix("\"") && pair[1].hasSuffix("\"") ? String(pair[1].dropFirst().dropLast()) : pair[1]
        }
        return nil
    }
}
