/// Whether an IPv4 address is one that nmap would scan for a list of targets and excludes, without
/// running nmap: for hosts heard between scans (a passive source), which may only arrive when a scan
/// could have found them.
///
/// Understands nmap's IPv4 target forms: an address (`192.0.2.5`), CIDR (`192.0.2.0/24`), and octet
/// ranges (`192.0.2.1-50`, `192.0.1-3.*`, `10.0.0.1,3,7-9`). Host names and IPv6 targets match nothing:
/// a host behind a name is left to the scans.
public struct AddressMatcher: Sendable, Equatable {
    /// One target: per octet, the values it covers.
    struct Pattern: Sendable, Equatable {
        var octets: [[ClosedRange<UInt8>]]

        func contains(_ address: [UInt8]) -> Bool {
            zip(octets, address).allSatisfy { ranges, value in ranges.contains { $0.contains(value) } }
        }
    }

    let included: [Pattern]
    let excluded: [Pattern]

    public init(targets: [String], exclude: [String] = []) {
        included = targets.flatMap(Self.patterns)
        excluded = exclude.flatMap(Self.patterns)
    }

    /// Whether `address` (dotted IPv4) is covered by a target and by no exclude.
    public func contains(_ address: String) -> Bool {
        guard let octets = Self.octets(address) else { return false }
        return included.contains { $0.contains(octets) } && !excluded.contains { $0.contains(octets) }
    }

    /// Targets may be given several to a string, split by commas between addresses or by spaces, as in
    /// the configuration (`scan.hosts: "192.0.2.0/24 198.51.100.7"`).
    static func patterns(_ text: String) -> [Pattern] {
        text.split(whereSeparator: { $0 == " " || $0 == "\t" }).compactMap { pattern(String($0)) }
    }

    static func pattern(_ text: String) -> Pattern? {
        let parts = text.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        if parts.count == 2 {
            guard let base = octets(String(parts[0])), let bits = Int(parts[1]), (0...32).contains(bits) else { return nil }
            let value = base.reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
            let mask: UInt32 = bits == 0 ? 0 : ~UInt32(0) << (32 - bits)
            let low = value & mask
            let high = low | ~mask
            return Pattern(
                octets: (0..<4).map { index in
                    let shift = UInt32(24 - 8 * index)
                    return [UInt8(truncatingIfNeeded: low >> shift)...UInt8(truncatingIfNeeded: high >> shift)]
                })
        }
        let fields = text.split(separator: ".", omittingEmptySubsequences: false)
        guard fields.count == 4 else { return nil }
        var octets: [[ClosedRange<UInt8>]] = []
        for field in fields {
            guard let ranges = octetRanges(field) else { return nil }
            octets.append(ranges)
        }
        return Pattern(octets: octets)
    }

    /// `*`, `7`, `1-50`, `-50`, `200-`, and comma lists of those.
    private static func octetRanges(_ field: Substring) -> [ClosedRange<UInt8>]? {
        if field == "*" { return [0...255] }
        var ranges: [ClosedRange<UInt8>] = []
        for item in field.split(separator: ",", omittingEmptySubsequences: false) {
            let bounds = item.split(separator: "-", maxSplits: 1, omittingEmptySubsequences: false)
            if bounds.count == 1 {
                guard let value = UInt8(bounds[0]) else { return nil }
                ranges.append(value...value)
            } else {
                let low = bounds[0].isEmpty ? 0 : UInt8(bounds[0])
                let high = bounds[1].isEmpty ? 255 : UInt8(bounds[1])
                guard let low, let high, low <= high else { return nil }
                ranges.append(low...high)
            }
        }
        return ranges.isEmpty ? nil : ranges
    }

    static func octets(_ address: String) -> [UInt8]? {
        let fields = address.split(separator: ".", omittingEmptySubsequences: false)
        guard fields.count == 4 else { return nil }
        var octets: [UInt8] = []
        for field in fields {
            guard !field.isEmpty, field.count <= 3, field.allSatisfy(\.isASCII), let value = UInt8(field) else { return nil }
            octets.append(value)
        }
        return octets
    }
}
