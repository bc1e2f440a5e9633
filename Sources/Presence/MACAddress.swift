import Foundation

/// MAC spelling rules shared by the engine, the store and the bridge.
public enum MACAddress {
    /// The MAC in Home Assistant's `format_mac` form, `aa:bb:cc:dd:ee:ff`, from the ways people and
    /// tools write them: `AA:BB:..`, `aa-bb-..`, `aabb.ccdd.eeff` (Cisco), `aabbccddeeff`, and
    /// `a:b:c:d:e:f` (old `arp -n`, no zero padding); nil when `text` is no MAC.
    ///
    /// ASCII text (every MAC nmap or the kernel writes) is read byte by byte: the engine normalizes every
    /// sighting of every scan, and the string-based path below cost about 3 µs a MAC, two thirds of a
    /// scan step over 10,000 devices (bench/run). Other text takes the string-based path.
    public static func normalized(_ text: String) -> String? {
        var text = text
        if let fast = text.withUTF8({ normalizedASCII($0) }) { return fast.value }
        return normalizedUnicode(text)
    }

    /// The byte-level reading of `normalized` for ASCII text; nil when the text is not all ASCII (the
    /// caller then takes the string-based path), `.some(nil)` when it is ASCII but no MAC.
    static func normalizedASCII(_ bytes: UnsafeBufferPointer<UInt8>) -> Normalized? {
        if bytes.contains(where: { $0 >= 0x80 }) { return nil }
        var start = 0
        var end = bytes.count
        // `.whitespaces` in ASCII: space and tab.
        while start < end && (bytes[start] == 0x20 || bytes[start] == 0x09) { start += 1 }
        while end > start && (bytes[end - 1] == 0x20 || bytes[end - 1] == 0x09) { end -= 1 }
        let text = UnsafeBufferPointer(rebasing: bytes[start..<end])
        let colon = UInt8(ascii: ":"), dash = UInt8(ascii: "-"), dot = UInt8(ascii: ".")
        func hex(_ byte: UInt8) -> UInt8? {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "a")...UInt8(ascii: "f"): return byte
            case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte + 0x20
            default: return nil
            }
        }
        let separator: UInt8? = text.contains(colon) ? colon : text.contains(dash) ? dash : nil
        if separator == nil {
            // Twelve digits, bare or as Cisco's aabb.ccdd.eeff.
            let cisco = text.contains(dot)
            guard cisco ? (text.count == 14 && text[4] == dot && text[9] == dot) : text.count == 12 else {
                return Normalized(value: nil)
            }
            for (index, byte) in text.enumerated() where !(cisco && (index == 4 || index == 9)) {
                guard hex(byte) != nil else { return Normalized(value: nil) }
            }
        } else {
            // Six groups of one or two digits.
            var groups = 0
            var length = 0
            for byte in text {
                if byte == separator {
                    guard length >= 1 && length <= 2 else { return Normalized(value: nil) }
                    groups += 1
                    length = 0
                } else {
                    guard hex(byte) != nil else { return Normalized(value: nil) }
                    length += 1
                }
            }
            guard groups == 5, length >= 1 && length <= 2 else { return Normalized(value: nil) }
        }
        // Valid: write aa:bb:cc:dd:ee:ff straight into the string's storage.
        let mac = String(unsafeUninitializedCapacity: 17) { out in
            var at = 0
            if let separator {
                var groupStart = 0
                for index in 0...text.count where index == text.count || text[index] == separator {
                    if at > 0 { out[at] = colon; at += 1 }
                    if index - groupStart == 1 { out[at] = UInt8(ascii: "0"); at += 1 }
                    for k in groupStart..<index { out[at] = hex(text[k])!; at += 1 }
                    groupStart = index + 1
                }
            } else {
                var digits = 0
                for byte in text where byte != dot {
                    if digits > 0 && digits % 2 == 0 { out[at] = colon; at += 1 }
                    out[at] = hex(byte)!
                    at += 1
                    digits += 1
                }
            }
            return at
        }
        return Normalized(value: mac)
    }

    /// The result of `normalizedASCII` for text that is ASCII: the MAC, or nil when it is none.
    struct Normalized {
        var value: String?
    }

    /// `normalized` for text that is not all ASCII (and the reference the byte-level path is tested against).
    static func normalizedUnicode(_ text: String) -> String? {
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
        var mac = mac
        return mac.withUTF8 { bytes in
            String(unsafeUninitializedCapacity: bytes.count) { out in
                var count = 0
                for byte in bytes where byte != UInt8(ascii: ":") {
                    out[count] = byte
                    count += 1
                }
                return count
            }
        }
    }

    /// The device id of an IP-keyed device: `ip_192_0_2_5` (IPv6 colons become underscores too).
    public static func deviceID(forIP ip: String) -> String {
        "ip_" + String(ip.map { $0 == "." || $0 == ":" ? "_" : $0 })
    }
}
