/// A MAC address kept in one integer, so that a sighting carries no allocation until someone asks for
/// its text.
public struct HardwareAddress: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// The six bytes, the first in bits 40...47 (so `0x3c22fb100011` is `3c:22:fb:10:00:11`).
    public let rawValue: UInt64

    /// nil when `rawValue` has bits above the 48 of a MAC.
    public init?(rawValue: UInt64) {
        guard rawValue >> 48 == 0 else { return nil }
        self.rawValue = rawValue
    }

    public init(_ b0: UInt8, _ b1: UInt8, _ b2: UInt8, _ b3: UInt8, _ b4: UInt8, _ b5: UInt8) {
        rawValue = UInt64(b0) << 40 | UInt64(b1) << 32 | UInt64(b2) << 24 | UInt64(b3) << 16 | UInt64(b4) << 8 | UInt64(b5)
    }

    /// The six bytes at `offset` (the span checks the bounds).
    init(_ bytes: Span<UInt8>, at offset: Int) {
        self.init(bytes[offset], bytes[offset + 1], bytes[offset + 2], bytes[offset + 3], bytes[offset + 4], bytes[offset + 5])
    }

    /// `aa:bb:cc:dd:ee:ff` or `AA-BB-...`: six groups of two hex digits; nil otherwise. For tests and
    /// configuration; the listener itself never parses text.
    public init?(_ text: String) {
        let groups = text.split(separator: text.contains("-") ? "-" : ":", omittingEmptySubsequences: false)
        guard groups.count == 6 else { return nil }
        var value: UInt64 = 0
        for group in groups {
            // UInt8(_:radix:) alone would take "+f".
            guard group.utf8.count == 2, group.utf8.allSatisfy({ $0 < 0x80 && Character(Unicode.Scalar($0)).isHexDigit }),
                  let byte = UInt8(group, radix: 16)
            else { return nil }
            value = value << 8 | UInt64(byte)
        }
        rawValue = value
    }

    /// The first byte's group bit is clear: an address of one device, not a group (broadcast included).
    public var isUnicast: Bool { rawValue >> 40 & 0x01 == 0 }

    /// The first byte's locally administered bit: set on phones' per-network random MACs.
    public var isLocallyAdministered: Bool { rawValue >> 40 & 0x02 != 0 }

    public var isZero: Bool { rawValue == 0 }

    /// Lower case, colon-separated (`aa:bb:cc:dd:ee:ff`): the form `MACAddress.normalized` gives in the
    /// Presence module and Home Assistant's `format_mac` writes.
    public var description: String {
        String(unsafeUninitializedCapacity: 17) { out in
            let digits: StaticString = "0123456789abcdef"
            let hex = digits.utf8Start
            for index in 0..<6 {
                let byte = UInt8(truncatingIfNeeded: rawValue >> (40 - 8 * index))
                if index > 0 { out[3 * index - 1] = UInt8(ascii: ":") }
                out[3 * index] = hex[Int(byte >> 4)]
                out[3 * index + 1] = hex[Int(byte & 0x0f)]
            }
            return 17
        }
    }

    public static func < (lhs: HardwareAddress, rhs: HardwareAddress) -> Bool { lhs.rawValue < rhs.rawValue }
}
