/// MAC address spelling: the project identifies devices by lower-case, colon-separated MACs, as Home
/// Assistant's `format_mac` does.
enum MACAddress {
    /// `aa:bb:cc:dd:ee:ff` from nmap's `AA:BB:CC:DD:EE:FF`, `aa-bb-...` or `aabbccddeeff`; nil otherwise.
    static func normalize(_ text: String) -> String? {
        let hex = text.utf8.filter { $0 != UInt8(ascii: ":") && $0 != UInt8(ascii: "-") }
        guard hex.count == 12, hex.allSatisfy(isHexDigit) else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(17)
        for (i, c) in hex.enumerated() {
            if i > 0 && i % 2 == 0 { out.append(UInt8(ascii: ":")) }
            out.append(c >= UInt8(ascii: "A") && c <= UInt8(ascii: "F") ? c + 32 : c)
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// The locally-administered bit (0x02 of the first octet): set on phones' per-network random MACs.
    static func isLocallyAdministered(_ mac: String) -> Bool {
        let digits = mac.utf8.prefix(2)
        guard digits.count == 2, let first = UInt8(String(decoding: digits, as: UTF8.self), radix: 16) else {
            return false
        }
        return first & 0x02 != 0
    }

    /// All zeros: what the neighbour table shows for an address that never answered.
    static func isZero(_ mac: String) -> Bool {
        mac.utf8.allSatisfy { $0 == UInt8(ascii: "0") || $0 == UInt8(ascii: ":") }
    }

    /// The 12 upper-case hex digits, as nmap-mac-prefixes spells prefixes.
    static func upperHex(_ mac: String) -> String {
        String(decoding: mac.utf8.filter { $0 != UInt8(ascii: ":") }.map { $0 >= UInt8(ascii: "a") && $0 <= UInt8(ascii: "f") ? $0 - 32 : $0 }, as: UTF8.self)
    }

    static func isHexDigit(_ c: UInt8) -> Bool {
        (c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9")) || (c >= UInt8(ascii: "a") && c <= UInt8(ascii: "f"))
            || (c >= UInt8(ascii: "A") && c <= UInt8(ascii: "F"))
    }
}
