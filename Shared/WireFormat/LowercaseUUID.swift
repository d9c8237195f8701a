import Foundation

// Every id on the wire is a lowercase UUID, as in paths, rows and payloads (Foundation's own encoding is uppercase).
// Encodable types declared where these overloads are visible pick them over the generic `encode`.
extension KeyedEncodingContainer {
    package mutating func encode(_ value: UUID, forKey key: Key) throws {
        try encode(value.uuidString.lowercased(), forKey: key)
    }

    package mutating func encodeIfPresent(_ value: UUID?, forKey key: Key) throws {
        try encodeIfPresent(value?.uuidString.lowercased(), forKey: key)
    }
}

extension UUID {
    /// The id as the wire spells it: lowercase.
    package var lowercase: String { uuidString.lowercased() }
}
