import NetworkAddresses

/// nmap's own vendor table (`nmap-mac-prefixes`): prefixes of 6 to 9 hex digits and a vendor name.
///
/// nmap looks vendors up itself only when it saw the MAC; MACs filled in from the neighbour table
/// (unprivileged runs) get theirs from the same file, so both paths name vendors alike.
///
/// The table stays the file's bytes plus a sorted index of 16-byte entries (about 1.4 MB for nmap 7.93's
/// 32,000 lines): a dictionary of strings cost the daemon about 4 MB of private memory, half of what it
/// is allowed (bench/run measures it).
struct MACVendorTable: Sendable {
    /// A prefix and where its vendor lies in `text`.
    private struct Entry: Sendable {
        /// The digit count in the top byte, the prefix's value below: sorting by it groups lengths.
        var key: UInt64
        var start: UInt32
        var length: UInt32
    }

    private let text: [UInt8]
    /// Sorted by key, one entry per prefix (the file's last line wins, as it would in a dictionary).
    private let entries: [Entry]
    private let prefixLengths: [Int]

    var count: Int { entries.count }

    init(contents: String) {
        self.init(bytes: Array(contents.utf8))
    }

    init(bytes: [UInt8]) {
        text = bytes
        var found: [Entry] = []
        var lengths: Set<Int> = []
        var lineStart = 0
        let n = bytes.count
        while lineStart < n {
            var lineEnd = lineStart
            while lineEnd < n && bytes[lineEnd] != UInt8(ascii: "\n") && bytes[lineEnd] != UInt8(ascii: "\r") { lineEnd += 1 }
            defer { lineStart = lineEnd + 1 }
            guard lineEnd > lineStart, bytes[lineStart] != UInt8(ascii: "#") else { continue }
            var space = lineStart
            while space < lineEnd && bytes[space] != UInt8(ascii: " ") && bytes[space] != UInt8(ascii: "\t") { space += 1 }
            guard space < lineEnd, let key = Self.key(bytes[lineStart..<space]) else { continue }
            var start = space + 1
            var end = lineEnd
            while start < end && Self.isASCIISpace(bytes[start]) { start += 1 }
            while end > start && Self.isASCIISpace(bytes[end - 1]) { end -= 1 }
            guard start < end else { continue }
            if bytes[start] >= 0x80 || bytes[end - 1] >= 0x80,
                String(decoding: bytes[start..<end], as: UTF8.self).trimmingWhitespace().isEmpty
            {
                continue
            }
            found.append(Entry(key: key, start: UInt32(start), length: UInt32(end - start)))
            lengths.insert(space - lineStart)
        }
        // Stable by position, then keep the last entry of each key.
        let order = found.indices.sorted { (found[$0].key, $0) < (found[$1].key, $1) }
        var unique: [Entry] = []
        unique.reserveCapacity(found.count)
        for (position, index) in order.enumerated() {
            if position + 1 < order.count && found[order[position + 1]].key == found[index].key { continue }
            unique.append(found[index])
        }
        entries = unique
        prefixLengths = lengths.sorted(by: >)
    }

    /// The table at `path`, or nil when it cannot be read.
    static func load(path: String) -> MACVendorTable? {
        guard let bytes = FileReader.readAll(path: path) else { return nil }
        return MACVendorTable(bytes: bytes)
    }

    /// The vendor of a normalised MAC, longest prefix first; nil for unknown and randomised MACs
    /// (a random address's prefix names no maker, whatever the table says).
    func vendor(of mac: String) -> String? {
        guard let address = MACAddress(mac), !address.isLocallyAdministered else { return nil }
        let hex = Array(address.upperHex.utf8)
        for length in prefixLengths where length <= hex.count {
            guard let key = Self.key(hex[0..<length]) else { return nil }
            var low = 0
            var high = entries.count
            while low < high {
                let middle = (low + high) / 2
                if entries[middle].key < key { low = middle + 1 } else { high = middle }
            }
            if low < entries.count && entries[low].key == key {
                let entry = entries[low]
                let start = Int(entry.start)
                return String(decoding: text[start..<start + Int(entry.length)], as: UTF8.self).trimmingWhitespace()
            }
        }
        return nil
    }

    /// 6 to 9 hex digits as a key (length in the top byte); nil for anything else.
    private static func key(_ digits: ArraySlice<UInt8>) -> UInt64? {
        guard (6...9).contains(digits.count) else { return nil }
        var value: UInt64 = 0
        for c in digits {
            let digit: UInt8
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = c - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = c - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = c - UInt8(ascii: "A") + 10
            default: return nil
            }
            value = value << 4 | UInt64(digit)
        }
        return UInt64(digits.count) << 56 | value
    }

    private static func isASCIISpace(_ c: UInt8) -> Bool {
        c == 0x20 || c == 0x09 || c == 0x0B || c == 0x0C
    }
}
