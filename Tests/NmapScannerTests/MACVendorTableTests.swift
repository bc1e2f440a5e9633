import Foundation
import NetworkAddresses
import Testing

@testable import NmapScanner

/// The compact vendor table must answer as a dictionary of the file's lines would: every prefix in
/// nmap's real file, longest prefix first, the last line winning.
@Suite("MAC vendor table: the compact index answers like a dictionary of the file")
struct MACVendorTableTests {
    static let path = "/usr/share/nmap/nmap-mac-prefixes"

    @Test("every prefix of nmap-mac-prefixes", .enabled(if: FileManager.default.fileExists(atPath: path)))
    func wholeFile() throws {
        let contents = try String(contentsOfFile: Self.path, encoding: .utf8)
        var reference: [String: String] = [:]
        for line in contents.split(whereSeparator: \.isNewline) where !line.hasPrefix("#") {
            guard let space = line.firstIndex(where: { $0 == " " || $0 == "\t" }) else { continue }
            let prefix = line[..<space].uppercased()
            let vendor = String(line[line.index(after: space)...]).trimmingWhitespace()
            guard (6...9).contains(prefix.count), prefix.allSatisfy(\.isHexDigit), !vendor.isEmpty else { continue }
            reference[prefix] = vendor
        }
        let table = try #require(MACVendorTable.load(path: Self.path))
        #expect(table.count == reference.count)
        let lengths = Set(reference.keys.map(\.count)).sorted(by: >)
        var checked = 0
        for prefix in reference.keys {
            let hex = (prefix + "000000").prefix(12)
            let mac = stride(from: 0, to: 12, by: 2).map { hex.dropFirst($0).prefix(2) }.joined(separator: ":").lowercased()
            guard MACAddress(mac)?.isLocallyAdministered == false else { continue }
            let expected = lengths.lazy.compactMap { reference[String(hex.prefix($0))] }.first
            #expect(table.vendor(of: mac) == expected, "\(mac)")
            checked += 1
        }
        #expect(checked > 30_000)
    }

    @Test("the last line wins; bad lines and blank vendors are skipped")
    func duplicates() {
        let table = MACVendorTable(contents: "AABBCC First\r\nAABBCC Second\n#AABBCD Comment\nAABBCE \t \nZZZZZZ Bad\n")
        #expect(table.count == 1)
        #expect(table.vendor(of: "a8:bb:cc:00:00:01") == nil)
        #expect(MACVendorTable(contents: "A8BBCC First\nA8BBCC Second\n").vendor(of: "a8:bb:cc:00:00:01") == "Second")
    }
}
