#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Addresses that are not on the public internet: IANA's special-purpose registries for IPv4 and IPv6 (private,
/// loopback, link-local, shared/CGNAT, benchmarking, documentation, multicast, reserved) and the translation prefixes that
/// can reach them (IPv4-mapped, NAT64, 6to4, Teredo). Outbound fetches of untrusted URLs refuse them.
package enum SpecialAddress {
    /// Why the address in `bytes` (4 for IPv4, 16 for IPv6) is not public; nil for a public address.
    package static func reason(_ bytes: [UInt8]) -> String? {
        switch bytes.count {
        case 4: return ipv4Reason(bytes)
        case 16: return ipv6Reason(bytes)
        default: return "not an IP address"
        }
    }

    /// The address bytes of an IPv4 or IPv6 literal (`[…]` brackets allowed); nil when `text` is not one.
    package static func parse(_ text: String) -> [UInt8]? {
        let literal = text.hasPrefix("[") && text.hasSuffix("]") ? String(text.dropFirst().dropLast()) : text
        var v4 = in_addr()
        if inet_pton(AF_INET, literal, &v4) == 1 { return withUnsafeBytes(of: &v4) { Array($0) } }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, literal, &v6) == 1 { return withUnsafeBytes(of: &v6) { Array($0) } }
        return nil
    }

    /// Why `host` (a name or an address literal) is certainly not public without resolving it; nil when it may be.
    package static func reason(host: String) -> String? {
        let name = host.lowercased().trimmingSuffix(".")
        if let bytes = parse(name) { return reason(bytes) }
        if name == "localhost" || name.hasSuffix(".localhost") { return "loopback name" }
        if name.hasSuffix(".local") || name.hasSuffix(".internal") || name.hasSuffix(".home.arpa") || !name.contains(".") {
            return "local name"
        }
        return nil
    }

    private static func ipv4Reason(_ b: [UInt8]) -> String? {
        let ranges: [(prefix: [UInt8], bits: Int, reason: String)] = [
            ([0, 0, 0, 0], 8, "this network"),
            ([10, 0, 0, 0], 8, "private"),
            ([100, 64, 0, 0], 10, "shared address space (CGNAT)"),
            ([127, 0, 0, 0], 8, "loopback"),
            ([169, 254, 0, 0], 16, "link-local"),
            ([172, 16, 0, 0], 12, "private"),
            ([192, 0, 0, 0], 24, "IETF protocol assignments"),
            ([192, 0, 2, 0], 24, "documentation"),
            ([192, 88, 99, 0], 24, "6to4 relay anycast"),
            ([192, 168, 0, 0], 16, "private"),
            ([198, 18, 0, 0], 15, "benchmarking"),
            ([198, 51, 100, 0], 24, "documentation"),
            ([203, 0, 113, 0], 24, "documentation"),
            ([224, 0, 0, 0], 4, "multicast"),
            ([240, 0, 0, 0], 4, "reserved"),
        ]
        return ranges.first { matches(b, $0.prefix, $0.bits) }?.reason
    }

    private static func ipv6Reason(_ b: [UInt8]) -> String? {
        let zeros = [UInt8](repeating: 0, count: 16)
        if b == zeros { return "unspecified" }
        if b == zeros.dropLast() + [1] { return "loopback" }
        // Prefixes that embed an IPv4 address: judged by that address, and refused outright when it is special.
        if matches(b, [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF], 96) {
            return ipv4Reason(Array(b[12...])).map { "IPv4-mapped \($0)" }
        }
        let ranges: [(prefix: [UInt8], bits: Int, reason: String)] = [
            ([0, 0x64, 0xFF, 0x9B], 96, "NAT64"),
            ([0, 0x64, 0xFF, 0x9B, 0, 1], 48, "NAT64 (local use)"),
            ([1, 0, 0, 0, 0, 0, 0, 0], 64, "discard-only"),
            ([0x20, 0x01, 0, 0], 23, "IETF protocol assignments (Teredo, benchmarking, ORCHID)"),
            ([0x20, 0x01, 0x0D, 0xB8], 32, "documentation"),
            ([0x20, 0x02], 16, "6to4"),
            ([0x3F, 0xFF], 20, "documentation"),
            ([0x5F, 0x00], 16, "segment routing"),
            ([0xFC, 0], 7, "unique local (private)"),
            ([0xFE, 0x80], 10, "link-local"),
            ([0xFE, 0xC0], 10, "site-local (deprecated)"),
            ([0xFF, 0], 8, "multicast"),
        ]
        if let special = ranges.first(where: { matches(b, $0.prefix, $0.bits) }) { return special.reason }
        // Anything outside global unicast (2000::/3) is unassigned or reserved.
        return (b[0] & 0xE0) == 0x20 ? nil : "not global unicast"
    }

    /// Whether the first `bits` bits of `address` equal those of `prefix` (zero-padded).
    private static func matches(_ address: [UInt8], _ prefix: [UInt8], _ bits: Int) -> Bool {
        for index in 0..<((bits + 7) / 8) {
            let take = min(8, bits - index * 8)
            let mask = UInt8(truncatingIfNeeded: 0xFF << (8 - take))
            let byte = index < prefix.count ? prefix[index] : 0
            if address[index] & mask != byte & mask { return false }
        }
        return true
    }
}

extension String {
    fileprivate func trimmingSuffix(_ suffix: String) -> String {
        hasSuffix(suffix) ? String(dropLast(suffix.count)) : self
    }
}
