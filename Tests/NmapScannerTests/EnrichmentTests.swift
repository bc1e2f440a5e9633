import Foundation
import Logging
import NetworkAddresses
import Testing

@testable import NmapScanner

@Suite struct EnrichmentTests {
    /// /proc/net/arp of the lab's scanner namespace right after an unprivileged scan: six complete
    /// entries among 250 incomplete ones (flags 0x0, zero MAC) for addresses that never answered.
    @Test func neighbourTableKeepsCompleteEntriesOnly() throws {
        let table = NeighbourTable.parse(try Fixture.text("proc-net-arp-after-unprivileged.txt"))
        #expect(
            table == [
                "192.0.2.11": "3c:22:fb:10:00:11", "192.0.2.12": "b8:27:eb:10:00:12", "192.0.2.13": "02:5b:26:a8:dc:12",
                "192.0.2.14": "00:12:f0:10:00:14", "192.0.2.15": "f4:f5:d8:10:00:15", "192.0.2.16": "00:aa:bb:10:00:16",
            ])
    }

    @Test func neighbourTableOddLines() {
        let text = """
            IP address       HW type     Flags       HW address            Mask     Device
            10.0.0.1         0x1         0x6         AA:BB:CC:DD:EE:01     *        eth0
            10.0.0.2         0x1         0x4         aa:bb:cc:dd:ee:02     *        eth0
            10.0.0.3         0x1         0x2         00:00:00:00:00:00     *        eth0
            garbage
            10.0.0.4         0x1         0xzz        aa:bb:cc:dd:ee:04     *        eth0
            """
        #expect(NeighbourTable.parse(text) == ["10.0.0.1": "aa:bb:cc:dd:ee:01"])
        #expect(NeighbourTable.read(path: "/nonexistent/arp") == nil)
    }

    /// nmap's own table, as installed here.
    @Test func vendorsFromNmapMacPrefixes() throws {
        let table = try #require(MACVendorTable.load(path: "/usr/share/nmap/nmap-mac-prefixes"))
        #expect(table.count > 30000)
        #expect(table.vendor(of: "b8:27:eb:10:00:12") == "Raspberry Pi Foundation")
        #expect(table.vendor(of: "3c:22:fb:00:00:01") == "Apple")
        #expect(table.vendor(of: "00:00:21:10:00:15") == "Sureman COMP. & Commun.")
        #expect(table.vendor(of: "00:aa:bb:10:00:16") == nil)
        // 02:07:01 is listed (Racal-datacom), but a locally administered address names no maker.
        #expect(table.vendor(of: "02:07:01:12:34:56") == nil)
    }

    @Test func longerPrefixesWin() {
        let table = MACVendorTable(contents: "# comment\n70B3D5 Ieee Registration Authority\n70B3D5123 Small Maker\nXYZ bad\n\n")
        #expect(table.count == 2)
        #expect(table.vendor(of: "70:b3:d5:12:34:56") == "Small Maker")
        #expect(table.vendor(of: "70:b3:d5:99:34:56") == "Ieee Registration Authority")
    }

    @Test func macSpellingAndRandomisedBit() {
        #expect(MACAddress.normalized("3C:22:FB:10:00:11") == "3c:22:fb:10:00:11")
        #expect(MACAddress.normalized("3c-22-fb-10-00-11") == "3c:22:fb:10:00:11")
        #expect(MACAddress.normalized("3c22fb100011") == "3c:22:fb:10:00:11")
        #expect(MACAddress.normalized("3c:22:fb:10:00") == nil)
        #expect(MACAddress.normalized("zz:22:fb:10:00:11") == nil)
        for mac in ["02:5b:26:a8:dc:12", "da:a1:19:00:00:01", "6e:00:00:00:00:01", "fe:ff:ff:ff:ff:ff"] {
            #expect(MACAddress(mac)?.isLocallyAdministered == true, "\(mac)")
        }
        for mac in ["3c:22:fb:10:00:11", "00:00:00:00:00:00", "b8:27:eb:10:00:12", "fd:00:00:00:00:00"] {
            #expect(MACAddress(mac)?.isLocallyAdministered == false, "\(mac)")
        }
    }

    /// An unprivileged run's hosts get their MACs from the neighbour table and vendors from the file,
    /// as the scanner does right after a scan.
    @Test func unprivilegedRunPlusNeighbourTable() throws {
        let run = try NmapXMLParser.parse(try Fixture.bytes("unprivileged-fast.xml"))
        let scanner = try NmapScanner(
            configuration: ScannerConfiguration(
                targets: ["192.0.2.0/24"],
                neighbourTablePath: Fixture.url("proc-net-arp-after-unprivileged.txt").path),
            logger: Logger(label: "test"))
        let hosts = scanner.enrich(run.hosts)
        let expected = XMLParserTests.labHosts.map { host -> ScanHost in
            var host = host
            host.reason = run.hosts.first { $0.address == host.address }!.reason
            return host
        }
        #expect(Set(hosts) == Set(expected))
        #expect(hosts.first { $0.address == "192.0.2.13" }?.randomizedMAC == true)
        #expect(hosts.first { $0.address == "192.0.2.1" }?.mac == nil)
    }

    @Test func savedXMLReport() throws {
        let report = NmapScanner.report(fromSavedXML: try Fixture.bytes("root-sn.xml"))
        let result = try #require(report.result)
        #expect(result.hosts == XMLParserTests.labHosts)
        #expect(abs(result.finishedAt.timeIntervalSince(result.startedAt) - 1.96) < 1e-6)
        #expect(NmapScanner.report(fromSavedXML: try Fixture.bytes("garbage.bin")).failure?.kind == .invalidXML)
    }

    @Test func jsonShape() throws {
        let host = ScanHost(ipv4: "192.0.2.13", mac: "02:5b:26:a8:dc:12", hostName: "pixel", reason: "arp-response")
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let json = String(decoding: try encoder.encode(host), as: UTF8.self)
        #expect(
            json == #"{"host_name":"pixel","ip":"192.0.2.13","mac":"02:5b:26:a8:dc:12","randomized_mac":true,"reason":"arp-response","vendor":null}"#)
        #expect(try JSONDecoder().decode(ScanHost.self, from: Data(json.utf8)) == host)
        let v6 = ScanHost(ipv6: "2001:db8::1", reason: "nd-response")
        #expect(try JSONDecoder().decode(ScanHost.self, from: try encoder.encode(v6)) == v6)
    }
}
