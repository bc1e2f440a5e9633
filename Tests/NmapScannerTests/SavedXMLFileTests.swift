import Foundation
import TestSupport
import Testing

@testable import NmapScanner

/// A saved scan read from its path (`scan --xml`): the bytes `FileReader.withContents` hands over are
/// the file's, whatever its size or kind, and the report is the one the bytes give.
@Suite("Saved XML read from a file")
struct SavedXMLFileTests {
    func contents(_ path: String) -> [UInt8]? {
        FileReader.withContents(path: path) { Array($0) }
    }

    /// A scratch directory removed at the end of the test.
    func withScratch(_ body: (String) throws -> Void) throws {
        let directory = NSTemporaryDirectory() + "nmap2mqtt-saved-xml-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: false)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try body(directory)
    }

    @Test("the same report from the path as from the bytes", arguments: Fixture.documents)
    func sameReport(fixture: String) throws {
        let path = Fixture.url(fixture).path
        let fromPath = try #require(NmapScanner.report(fromSavedXMLAt: path))
        #expect(fromPath == NmapScanner.report(fromSavedXML: try Fixture.bytes(fixture)))
    }

    @Test("sizes around the 2 MB pages it reads into, and past them")
    func sizes() throws {
        try withScratch { directory in
            var random = SplitMix64(seed: 7)
            for size in [1, 4095, 4096, (2 << 20) - 1, 2 << 20, (2 << 20) + 1, 5_000_001] {
                let bytes = (0..<size).map { _ in UInt8(truncatingIfNeeded: random.next()) }
                let path = "\(directory)/\(size).bin"
                #expect(FileManager.default.createFile(atPath: path, contents: Data(bytes)))
                #expect(contents(path) == bytes, "\(size) bytes")
            }
        }
    }

    @Test("empty files, procfs, missing files and directories")
    func otherKinds() throws {
        try withScratch { directory in
            #expect(FileManager.default.createFile(atPath: "\(directory)/empty", contents: Data()))
            #expect(contents("\(directory)/empty") == [])
            #expect(contents("\(directory)/missing") == nil)
            #expect(contents(directory) == nil)
            #expect(NmapScanner.report(fromSavedXMLAt: "\(directory)/missing") == nil)
        }
        // procfs says size 0: the bytes are read to the end all the same.
        let status = try #require(contents("/proc/self/status"))
        #expect(String(decoding: status, as: UTF8.self).hasPrefix("Name:"))
    }

    @Test("vendors: nmap's kept, the table's only for MACs nmap named none for, none for random MACs")
    func vendorsFromTheTable() throws {
        try withScratch { directory in
            let table = "\(directory)/nmap-mac-prefixes"
            #expect(
                FileManager.default.createFile(
                    atPath: table, contents: Data("0012F0 Table Intel\nB827EB Table Pi\nFE12F0 Table Random\n001788 Table Philips\n".utf8)))
            let bytes = try Fixture.bytes("derived-table-edges.xml")
            let hosts = try #require(NmapScanner.report(fromSavedXML: bytes, macPrefixesPath: table).result).hosts
            let vendors = Dictionary(uniqueKeysWithValues: hosts.map { ($0.address, $0.vendor) })
            #expect(vendors["198.51.100.1"] == "Table Intel")
            #expect(vendors["198.51.100.2"] == "Table Pi")
            #expect(vendors["198.51.100.3"] == .some(nil)) // fe:... is locally administered
            #expect(vendors["198.51.100.4"] == .some(nil)) // not in this table
            #expect(vendors["198.51.100.7"] == "Tab\tVendor") // nmap's own, not "Table Philips"
            let withoutTable = try #require(
                NmapScanner.report(fromSavedXML: bytes, macPrefixesPath: "\(directory)/missing").result
            ).hosts
            #expect(withoutTable.first { $0.address == "198.51.100.1" }?.vendor == nil)
            #expect(withoutTable.first { $0.address == "198.51.100.7" }?.vendor == "Tab\tVendor")
        }
    }
}
