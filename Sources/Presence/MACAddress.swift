/// MAC spelling rules shared by the engine, the store and the bridge.
public enum MACAddress {
    /// The MAC in Home Assistant's `format_mac` form, `aa:bb:cc:dd:ee:ff`, from any common spelling
    /// (`AA:BB:..`, `aa-bb-..`, `aabb.ccdd.eeff`, `aabbccddeeff`); nil when it is not 12 hex digits.
    public static func normalized(_ text: String) -> String? {
        var digits: [UInt8] = []
        digits.reserveCapacity(12)
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "a")...UInt8(ascii: "f"):
                digits.append(byte)
            case UInt8(ascii: "A")...UInt8(ascii: "F"):
                digits.append(byte + 32)
            case UInt8(ascii: ":"), UInt8(ascii: "-"), UInt8(ascii: "."):
                continue
            default:
                return nil
            }
            if digits.count > 12 { return nil }
        }
        guard digits.count == 12 else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(17)
        for (index, digit) in digits.enumerated() {
            if index > 0, index % 2 == 0 { out.append(UInt8(ascii: ":")) }
            out.append(digit)
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// The device id of a MAC-keyed device: the normalized MAC without colons (`aabbccddeeff`), which is what
    /// MQTT discovery topics allow.
    public static func deviceID(forMAC mac: String) -> String {
        String(mac.filter { $0 != ":" })
    }

    /// The device id of an IP-keyed device: `ip_192_0_2_5` (IPv6 colons become underscores too).
    public static func deviceID(forIP ip: String) -> String {
        "ip_" + String(ip.map { $0 == "." || $0 == ":" ? "_" : $0 })
    }
}
