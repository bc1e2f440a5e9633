/// nmap's own vendor table (`nmap-mac-prefixes`): prefixes of 6 to 9 hex digits and a vendor name.
///
/// nmap looks vendors up itself only when it saw the MAC; MACs filled in from the neighbour table
/// (unprivileged runs) get theirs from the same file, so both paths name vendors alike.
struct MACVendorTable: Sendable {
    private var vendors: [String: String] = [:]
    private var prefixLengths: [Int] = []

    var count: Int { vendors.count }

    init(contents: String) {
        var lengths: Set<Int> = []
        for line in contents.split(whereSeparator: \.isNewline) {
            guard let first = line.first, first != "#" else { continue }
            guard let space = line.firstIndex(where: { $0 == " " || $0 == "\t" }) else { continue }
            let prefix = line[..<space].uppercased()
            let vendor = String(line[line.index(after: space)...]).trimmingWhitespace()
            guard (6...9).contains(prefix.utf8.count), prefix.utf8.allSatisfy(MACAddress.isHexDigit), !vendor.isEmpty
            else { continue }
            vendors[prefix] = vendor
            lengths.insert(prefix.utf8.count)
        }
        prefixLengths = lengths.sorted(by: >)
    }

    /// The table at `path`, or nil when it cannot be read.
    static func load(path: String) -> MACVendorTable? {
        guard let bytes = FileReader.readAll(path: path) else { return nil }
        return MACVendorTable(contents: String(decoding: bytes, as: UTF8.self))
    }

    /// The vendor of a normalised MAC, longest prefix first; nil for unknown and randomised MACs
    /// (a random address's prefix names no maker, whatever the table says).
    func vendor(of mac: String) -> String? {
        if MACAddress.isLocallyAdministered(mac) { return nil }
        let hex = MACAddress.upperHex(mac)
        for length in prefixLengths where length <= hex.utf8.count {
            if let vendor = vendors[String(hex.prefix(length))] { return vendor }
        }
        return nil
    }
}
