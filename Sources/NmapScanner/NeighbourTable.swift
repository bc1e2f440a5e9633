import NetworkAddresses

/// The kernel's IPv4 neighbour (ARP) table, `/proc/net/arp`: after a scan it holds the MACs of hosts
/// that answered on the local segment, even when nmap ran without raw sockets and saw none.
///
/// Only complete entries (flags 0x2, ATF_COM) count. An entry can outlive its host for a while, so the
/// table fills in MACs of hosts nmap found up; it never makes a host up by itself.
enum NeighbourTable {
    /// IP → lower-case MAC from the text of `/proc/net/arp`.
    static func parse(_ text: String) -> [String: String] {
        var table: [String: String] = [:]
        for line in text.split(whereSeparator: \.isNewline).dropFirst() {
            let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard fields.count >= 4 else { continue }
            let flagsText = fields[2].hasPrefix("0x") ? fields[2].dropFirst(2) : fields[2]
            guard let flags = Int(flagsText, radix: 16), flags & 0x2 != 0,
                let mac = MACAddress(String(fields[3])), !mac.isZero
            else { continue }
            table[String(fields[0])] = mac.description
        }
        return table
    }

    /// The table at `path`, or nil when it cannot be read (not Linux, a container without /proc).
    static func read(path: String) -> [String: String]? {
        guard let bytes = FileReader.readAll(path: path) else { return nil }
        return parse(String(decoding: bytes, as: UTF8.self))
    }
}
