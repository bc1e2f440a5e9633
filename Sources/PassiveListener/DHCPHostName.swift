/// What a DHCP client's option 12 may become: a name for logs, MQTT payloads and Home Assistant.
///
/// The option is whatever the sender put there (RFC 2132 says NVT ASCII, at least one byte), so it is
/// read defensively: trailing NULs (some clients count a C terminator) and surrounding spaces are
/// dropped; a name with any byte outside printable ASCII is refused whole rather than guessed at (an
/// encoding, or garbage); every character outside `A-Z a-z 0-9 - _ .` becomes `-` (so `Anna's iPhone`
/// is `Anna-s-iPhone`, and nothing like `/`, `+`, `#`, quotes or control characters reaches a topic
/// or a log line); leading and trailing `-` and `.` go; at most `maximumLength` bytes are kept.
enum DHCPHostName {
    /// One DNS label's worth, the longest name a phone or laptop sends.
    static let maximumLength = 63

    static func sanitised(_ bytes: Span<UInt8>) -> String? {
        var start = 0
        var end = bytes.count
        while end > start && (bytes[end - 1] == 0 || bytes[end - 1] == 0x20) { end -= 1 }
        while start < end && bytes[start] == 0x20 { start += 1 }
        guard start < end else { return nil }
        for index in start..<end where bytes[index] < 0x20 || bytes[index] > 0x7e { return nil }
        // Trim what would become leading or trailing separators, then bound the length.
        func isEdge(_ byte: UInt8) -> Bool { !isKept(byte) || byte == UInt8(ascii: "-") || byte == UInt8(ascii: ".") }
        while start < end && isEdge(bytes[start]) { start += 1 }
        end = min(end, start + maximumLength)
        while end > start && isEdge(bytes[end - 1]) { end -= 1 }
        guard start < end else { return nil }
        return String(unsafeUninitializedCapacity: end - start) { out in
            for index in start..<end {
                let byte = bytes[index]
                out[index - start] = isKept(byte) ? byte : UInt8(ascii: "-")
            }
            return end - start
        }
    }

    private static func isKept(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
            UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."):
            return true
        default:
            return false
        }
    }
}
