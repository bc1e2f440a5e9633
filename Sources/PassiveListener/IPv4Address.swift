/// An IPv4 address kept in one integer (no allocation per sighting).
public struct IPv4Address: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// The address as a number in network order: 198.18.42.1 is `0xC6122A01`.
    public let rawValue: UInt32

    public init(rawValue: UInt32) {
        self.rawValue = rawValue
    }

    public init(_ a: UInt8, _ b: UInt8, _ c: UInt8, _ d: UInt8) {
        rawValue = UInt32(a) << 24 | UInt32(b) << 16 | UInt32(c) << 8 | UInt32(d)
    }

    /// The four bytes at `offset`, network order (the span checks the bounds).
    init(_ bytes: Span<UInt8>, at offset: Int) {
        self.init(bytes[offset], bytes[offset + 1], bytes[offset + 2], bytes[offset + 3])
    }

    /// Dotted quad (`192.0.2.5`, no leading zeros); nil otherwise.
    public init?(_ text: String) {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var value: UInt32 = 0
        for part in parts {
            guard (1...3).contains(part.utf8.count), part.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
                part.utf8.count == 1 || part.utf8.first != UInt8(ascii: "0"), let byte = UInt8(part)
            else { return nil }
            value = value << 8 | UInt32(byte)
        }
        rawValue = value
    }

    /// 0.0.0.0: a device without an address yet (DHCP, ARP probes).
    public var isUnspecified: Bool { rawValue == 0 }

    /// An address one device may hold: not 0.0.0.0, loopback (127/8), multicast (224/4), reserved
    /// (240/4) or the limited broadcast. Frames claiming anything else are ignored.
    public var isPlausibleHost: Bool {
        let first = rawValue >> 24
        return rawValue != 0 && first != 127 && first < 224
    }

    public var description: String {
        "\(rawValue >> 24).\(rawValue >> 16 & 0xff).\(rawValue >> 8 & 0xff).\(rawValue & 0xff)"
    }

    public static func < (lhs: IPv4Address, rhs: IPv4Address) -> Bool { lhs.rawValue < rhs.rawValue }
}
