import Foundation

/// MAC spelling rules shared by the engine, the store and the bridge.
public enum MACAddress {
    /// The MAC in Home Assistant's `format_mac` form, `aa:bb:cc:dd:ee:ff`, from the ways people and
    /// tools write them: `AA:BB:..`, `aa-bb-..`, `aabb.ccdd.eeff` (Cisco), `aabbccddeeff`, and
    /// `a:b:c:d:e:f` (old `arp -n`, no zero padding); nil when `text` is no MAC.
    public static func normalized(_ text: String) -> String? {
        let text = text.trimmingCharacters(in: .whitespaces).lowercased()
        let groups: [Substring]
        if text.contains(":") {
            groups = text.split(separator: ":", omittingEmptySubsequences: false)
        } else if text.contains("-") {
            groups = text.split(separator: "-", omittingEmptySubsequences: false)
        } else if text.contains(".") {
            let words = text.split(separator: ".", omittingEmptySubsequences: false)
            guard words.count == 3, words.allSatisfy({ $0.count == 4 }) else { return nil }
            groups = words.flatMap { [$0.prefix(2), $0.suffix(2)] }
        } else {
            guard text.count == 12 else { return nil }
            let characters = Array(text)
            groups = stride(from: 0, to: 12, by: 2).map { Substring(String(characters[$0..<$0 + 2])) }
        }
        guard groups.count == 6 else { return nil }
        var bytes: [String] = []
        for group in groups {
            guard (1...2).contains(group.count), group.allSatisfy({ $0.isHexDigit && $0.isASCII }) else { return nil }
            bytes.append(group.count == 1 ? "0\(group)" : String(group))
        }
        return bytes.joined(separator: ":")
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
