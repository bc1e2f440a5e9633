/// A MAC address, the project's one type for it: six bytes in one integer, so a sighting carries no
/// allocation until someone asks for its text. Its text is Home Assistant's `format_mac` form,
/// `aa:bb:cc:dd:ee:ff`, which is how the bridge names devices.
public struct MACAddress: Hashable, Sendable, Comparable, CustomStringConvertible {
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

    /// The six bytes at `offset` of a frame (the span checks the bounds).
    public init(_ bytes: Span<UInt8>, at offset: Int) {
        self.init(bytes[offset], bytes[offset + 1], bytes[offset + 2], bytes[offset + 3], bytes[offset + 4], bytes[offset + 5])
    }

    /// A MAC as people and tools write it: `AA:BB:..`, `aa-bb-..`, `aabb.ccdd.eeff` (Cisco),
    /// `aabbccddeeff`, and `a:b:c:d:e:f` (old `arp -n`, no zero padding), with spaces, tabs or
    /// Unicode blanks around it; nil for anything else. Read byte by byte: the engine reads every sighting of every scan.
    public init?(_ text: String) {
        var text = text
        if text.utf8.contains(where: { $0 >= 0x80 }) {
            // Pasted text may carry Unicode blanks (a no-break space); what is left must be ASCII.
            text = String(text.drop(while: \.isWhitespace).reversed().drop(while: \.isWhitespace).reversed())
        }
        guard let value = text.withUTF8({ Self.parse($0) }) else { return nil }
        rawValue = value
    }

    /// `aa:bb:cc:dd:ee:ff` for any spelling `init?(_:)` reads; nil when `text` is no MAC.
    public static func normalized(_ text: String) -> String? {
        MACAddress(text)?.description
    }

    /// The first byte's group bit is clear: an address of one device, not a group (broadcast included).
    public var isUnicast: Bool { rawValue >> 40 & 0x01 == 0 }

    /// The first byte's locally administered bit: set on phones' per-network random MACs.
    public var isLocallyAdministered: Bool { rawValue >> 40 & 0x02 != 0 }

    /// All zeros: what the neighbour table shows for an address that never answered.
    public var isZero: Bool { rawValue == 0 }

    /// Lower case, colon-separated: `aa:bb:cc:dd:ee:ff`.
    public var description: String { text(separator: UInt8(ascii: ":"), digits: "0123456789abcdef") }

    /// The twelve upper-case hex digits, as nmap-mac-prefixes spells prefixes.
    public var upperHex: String { text(separator: nil, digits: "0123456789ABCDEF") }

    public static func < (lhs: MACAddress, rhs: MACAddress) -> Bool { lhs.rawValue < rhs.rawValue }

    private func text(separator: UInt8?, digits: StaticString) -> String {
        String(unsafeUninitializedCapacity: 17) { out in
            let hex = digits.utf8Start
            var at = 0
            for index in 0..<6 {
                let byte = UInt8(truncatingIfNeeded: rawValue >> (40 - 8 * index))
                if index > 0, let separator {
                    out[at] = separator
                    at += 1
                }
                out[at] = hex[Int(byte >> 4)]
                out[at + 1] = hex[Int(byte & 0x0f)]
                at += 2
            }
            return at
        }
    }

    private static func parse(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt64? {
        var start = 0
        var end = bytes.count
        func isBlank(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 }
        while start < end && isBlank(bytes[start]) { start += 1 }
        while end > start && isBlank(bytes[end - 1]) { end -= 1 }
        let text = UnsafeBufferPointer(rebasing: bytes[start..<end])
        func hex(_ byte: UInt8) -> UInt64? {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): return UInt64(byte - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): return UInt64(byte - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): return UInt64(byte - UInt8(ascii: "A") + 10)
            default: return nil
            }
        }
        let colon = UInt8(ascii: ":")
        let dash = UInt8(ascii: "-")
        let dot = UInt8(ascii: ".")
        var value: UInt64 = 0
        if let separator = text.contains(colon) ? colon : text.contains(dash) ? dash : nil {
            // Six groups of one or two digits.
            var groups = 0
            var group: UInt64 = 0
            var length = 0
            for (index, byte) in text.enumerated() {
                if byte != separator {
                    guard let digit = hex(byte), length < 2 else { return nil }
                    group = group << 4 | digit
                    length += 1
                }
                if byte == separator || index == text.count - 1 {
                    guard length >= 1 else { return nil }
                    value = value << 8 | group
                    groups += 1
                    group = 0
                    length = 0
                }
            }
            guard groups == 6, text.last != separator else { return nil }
            return value
        }
        // Twelve digits, bare or as Cisco's aabb.ccdd.eeff.
        let cisco = text.contains(dot)
        guard cisco ? (text.count == 14 && text[4] == dot && text[9] == dot) : text.count == 12 else { return nil }
        for (index, byte) in text.enumerated() where !(cisco && (index == 4 || index == 9)) {
            guard let digit = hex(byte) else { return nil }
            value = value << 4 | digit
        }
        return value
    }
}
