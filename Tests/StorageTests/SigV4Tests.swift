import Foundation
import Storage
import Testing

/// AWS's published Signature Version 4 vectors: the signing test suite (service `service`, 2015-08-30) and the S3
/// documentation's examples (GET with a range; a presigned URL).
@Suite("SigV4")
struct SigV4Tests {
    static let suite = SigV4(
        credentials: .init(accessKeyID: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"), region: "us-east-1",
        service: "service"
    )
    static let suiteDate = Date(timeIntervalSince1970: 1_440_938_160)  // 2015-08-30T12:36:00Z
    static let s3 = SigV4(
        credentials: .init(accessKeyID: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"), region: "us-east-1"
    )
    static let s3Date = Date(timeIntervalSince1970: 1_369_353_600)  // 2013-05-24T00:00:00Z

    static func authorization(_ headers: [(String, String)]) -> String? { headers.first { $0.0 == "authorization" }?.1 }

    @Test(
        "The signing test suite's requests",
        arguments: [
            (
                "get-vanilla", "GET", "/", [(String, String)](), [(String, String)](),
                "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"
            ),
            ("post-vanilla", "POST", "/", [], [], "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b"),
            (
                "get-vanilla-query-order-key-case", "GET", "/", [("Param2", "value2"), ("Param1", "value1")], [],
                "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500"
            ),
            ("get-utf8", "GET", SigV4.encode("/ሴ", keepingSlash: true), [], [], "8318018e0b0f223aa2bbf98705b62bb787dc9c0e678f255a891fd03141be5d85"),
            (
                "get-header-key-duplicate", "GET", "/", [], [("My-Header1", "value2"), ("My-Header1", "value2"), ("My-Header1", "value1")],
                "c9d5ea9f3f72853aea855b47ea873832890dbdd183b4468f858259531a5138ea"
            ),
        ])
    func suiteVectors(name: String, method: String, path: String, query: [(String, String)], headers: [(String, String)], signature: String) {
        let signed = Self.suite.sign(
            method: method, path: path, query: query, headers: [("Host", "example.amazonaws.com")] + headers,
            payloadHash: SigV4.emptyPayloadHash, date: Self.suiteDate
        )
        let names = headers.isEmpty ? "host;x-amz-date" : "host;my-header1;x-amz-date"
        #expect(
            Self.authorization(signed)
                == "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=\(names), Signature=\(signature)",
            "\(name)")
        #expect(signed.contains { $0 == ("x-amz-date", "20150830T123600Z") })
    }

    @Test("S3's documented GET of the first ten bytes of an object")
    func s3Get() {
        let signed = Self.s3.sign(
            method: "GET", path: "/test.txt",
            headers: [("Host", "examplebucket.s3.amazonaws.com"), ("Range", "bytes=0-9"), ("x-amz-content-sha256", SigV4.emptyPayloadHash)],
            payloadHash: SigV4.emptyPayloadHash, date: Self.s3Date
        )
        #expect(
            Self.authorization(signed)
                == "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41"
        )
    }

    @Test("S3's documented presigned URL, valid a day")
    func s3Presigned() {
        let query = Self.s3.presignedQuery(
            method: "GET", host: "examplebucket.s3.amazonaws.com", path: "/test.txt", expires: 86400, date: Self.s3Date)
        #expect(query.contains("X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404"))
        #expect(query.contains("X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request"))
        #expect(query.contains("X-Amz-Expires=86400"))
    }

    @Test("A session token is sent and signed; another secret signs differently")
    func sessionToken() {
        var credentials = Self.s3.credentials
        credentials.sessionToken = "token"
        let signed = SigV4(credentials: credentials, region: "us-east-1").sign(
            method: "GET", path: "/test.txt", headers: [("Host", "examplebucket.s3.amazonaws.com")], payloadHash: SigV4.unsignedPayload,
            date: Self.s3Date
        )
        #expect(signed.contains { $0 == ("x-amz-security-token", "token") })
        #expect(Self.authorization(signed)?.contains("SignedHeaders=host;x-amz-date;x-amz-security-token") == true)
        credentials.secretAccessKey = "another"
        let other = SigV4(credentials: credentials, region: "us-east-1").sign(
            method: "GET", path: "/test.txt", headers: [("Host", "examplebucket.s3.amazonaws.com")], payloadHash: SigV4.unsignedPayload,
            date: Self.s3Date
        )
        #expect(Self.authorization(other) != Self.authorization(signed))
    }
}
