/// How a target's hosts are cut into nmap runs, so a wide sweep shares the scan slots with other
/// targets: one chunk at a time, never one run of minutes.
///
/// An IPv4 CIDR wider than `prefix` (`10.0.0.0/16` at 24) becomes its `/prefix` blocks, in address order,
/// one chunk each (host bits of the base are ignored, as nmap ignores them). Everything else (addresses,
/// CIDRs no wider than `prefix`, octet ranges, host names, IPv6) is left as written and scanned together
/// in one chunk, placed first. Hosts with nothing wide are one chunk: the target is scanned whole.
public enum ScanChunks {
    /// The chunks of `hosts`, each the host list of one nmap run; empty only when `hosts` is.
    public static func split(_ hosts: [String], prefix: Int) -> [[String]] {
        var whole: [String] = []
        var blocks: [[String]] = []
        for host in hosts {
            guard let wide = wideBlock(host, prefix: prefix) else {
                whole.append(host)
                continue
            }
            let count = UInt64(1) << UInt64(prefix - wide.bits)
            let step = UInt64(1) << UInt64(32 - prefix)
            for index in 0..<count {
                blocks.append(["\(dotted(UInt32(UInt64(wide.base) + index * step)))/\(prefix)"])
            }
        }
        return (whole.isEmpty ? [] : [whole]) + blocks
    }

    /// How many chunks `split` would make, without making them (a /8 at prefix 30 would be millions).
    public static func count(_ hosts: [String], prefix: Int) -> Int {
        var count = 0
        var whole = false
        for host in hosts {
            if let wide = wideBlock(host, prefix: prefix) {
                count += 1 << (prefix - wide.bits)
            } else {
                whole = true
            }
        }
        return count + (whole ? 1 : 0)
    }

    /// The network and prefix length of an IPv4 CIDR wider than `prefix`; nil for anything else.
    static func wideBlock(_ host: String, prefix: Int) -> (base: UInt32, bits: Int)? {
        let parts = host.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        guard parts.count == 2, let octets = AddressMatcher.octets(String(parts[0])), parts[1].allSatisfy(\.isASCII),
            let bits = Int(parts[1]), (0...32).contains(bits), bits < prefix, (0...32).contains(prefix)
        else { return nil }
        let value = octets.reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
        let mask: UInt32 = bits == 0 ? 0 : ~UInt32(0) << UInt32(32 - bits)
        return (value & mask, bits)
    }

    private static func dotted(_ value: UInt32) -> String {
        "\(value >> 24).\(value >> 16 & 0xFF).\(value >> 8 & 0xFF).\(value & 0xFF)"
    }
}
