import Testing

@testable import NmapScanner

@Suite("Scan chunks: wide IPv4 CIDRs cut into one nmap run per block")
struct ScanChunksTests {
    @Test("a /16 at prefix 24 is 256 chunks of one /24 each, in address order")
    func sixteen() {
        let chunks = ScanChunks.split(["10.20.0.0/16"], prefix: 24)
        #expect(chunks.count == 256)
        #expect(chunks.first == ["10.20.0.0/24"] && chunks[1] == ["10.20.1.0/24"] && chunks.last == ["10.20.255.0/24"])
        #expect(chunks == (0..<256).map { ["10.20.\($0).0/24"] })
    }

    @Test("a CIDR no wider than the prefix stays whole; so does a target with nothing wide")
    func narrow() {
        #expect(ScanChunks.split(["192.0.2.0/24"], prefix: 24) == [["192.0.2.0/24"]])
        #expect(ScanChunks.split(["192.0.2.0/28", "192.0.2.77"], prefix: 24) == [["192.0.2.0/28", "192.0.2.77"]])
        #expect(ScanChunks.split([], prefix: 24).isEmpty)
    }

    @Test("ranges, host names and IPv6 are untouched and scanned together, first")
    func untouched() {
        let chunks = ScanChunks.split(["198.18.0.0/22", "192.0.2.1-50", "printer.lan", "2001:db8::/64", "10.0.*.1"], prefix: 24)
        #expect(
            chunks == [
                ["192.0.2.1-50", "printer.lan", "2001:db8::/64", "10.0.*.1"], ["198.18.0.0/24"], ["198.18.1.0/24"], ["198.18.2.0/24"],
                ["198.18.3.0/24"],
            ])
    }

    @Test("host bits of a wide CIDR are ignored, as nmap ignores them; other prefixes work alike")
    func otherPrefixes() {
        #expect(ScanChunks.split(["198.18.5.9/23"], prefix: 24) == [["198.18.4.0/24"], ["198.18.5.0/24"]])
        #expect(ScanChunks.split(["198.18.0.0/24"], prefix: 26) == (0..<4).map { ["198.18.0.\($0 * 64)/26"] })
        #expect(ScanChunks.split(["10.0.0.0/8"], prefix: 16).count == 256)
        #expect(
            ScanChunks.split(["198.18.0.0/abc", "198.18.0.0/33", "300.1.1.1/8"], prefix: 24) == [["198.18.0.0/abc", "198.18.0.0/33", "300.1.1.1/8"]])
    }

    @Test("count says how many chunks split makes, without making them")
    func count() {
        for (hosts, prefix) in [(["10.20.0.0/16"], 24), (["192.0.2.0/24"], 24), (["198.18.0.0/22", "printer.lan"], 24), ([String](), 24)] {
            #expect(ScanChunks.count(hosts, prefix: prefix) == ScanChunks.split(hosts, prefix: prefix).count)
        }
        #expect(ScanChunks.count(["10.0.0.0/8"], prefix: 30) == 4_194_304)
    }
}
