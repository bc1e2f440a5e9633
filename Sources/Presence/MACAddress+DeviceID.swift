import NetworkAddresses

/// Device ids: what names a device in topics and the state file.
extension MACAddress {
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
