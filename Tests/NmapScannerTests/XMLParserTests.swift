import Foundation
import TestSupport
import Testing

@testable import NmapScanner

/// The parser on documents captured from real nmap 7.93 runs on the test LAN (Fixtures/README.md).
@Suite struct XMLParserTests {
    /// The lab's hosts as nmap saw them with root (h1..h6, then the scanner itself).
    static let labHosts: [ScanHost] = [
        ScanHost(ipv4: "192.0.2.11", mac: "3c:22:fb:10:00:11", vendor: "Apple", hostName: "anna-iphone.lab", reason: "arp-response"),
        ScanHost(ipv4: "192.0.2.12", mac: "b8:27:eb:10:00:12", vendor: "Raspberry Pi Foundation", hostName: "kitchen-pi.lab", reason: "arp-response"),
        ScanHost(ipv4: "192.0.2.13", mac: "02:5b:26:a8:dc:12", hostName: "pixel-random.lab", reason: "arp-response"),
        ScanHost(ipv4: "192.0.2.14", mac: "00:12:f0:10:00:14", vendor: "Intel Corporate", hostName: "office-laptop.lab", reason: "arp-response"),
        ScanHost(ipv4: "192.0.2.15", mac: "f4:f5:d8:10:00:15", vendor: "Google", hostName: "living-room-speaker.lab", reason: "arp-response"),
        ScanHost(ipv4: "192.0.2.16", mac: "00:aa:bb:10:00:16", hostName: "mystery-box.lab", reason: "arp-response"),
        ScanHost(ipv4: "192.0.2.1", hostName: "scanner.lab", reason: "localhost-response"),
    ]

    @Test func rootPortScanSkipsHostHints() throws {
        let bytes = try Fixture.bytes("root-fast.xml")
        // The file really holds a <hosthint> per host before the <host> elements.
        #expect(String(decoding: bytes, as: UTF8.self).components(separatedBy: "<hosthint>").count - 1 == 6)
        let run = try NmapXMLParser.parse(bytes)
        #expect(run.hosts == Self.labHosts)
        #expect(run.stats == RunStats(elapsed: 2.03, up: 7, down: 249, total: 256))
        #expect(run.version == "7.93")
        #expect(run.args == "nmap -oX - -F --host-timeout 5s 192.0.2.0/24")
        #expect(run.startTime == Date(timeIntervalSince1970: 1_795_708_434))
        #expect(run.hostsNotUp == 0)
    }

    @Test func rootPingSweep() throws {
        let run = try NmapXMLParser.parse(try Fixture.bytes("root-sn.xml"))
        #expect(run.hosts == Self.labHosts)
        #expect(run.stats.up == 7 && run.stats.total == 256)
    }

    @Test func verboseSweepListsDownHostsWhichAreNotReturned() throws {
        let run = try NmapXMLParser.parse(try Fixture.bytes("root-sn-verbose.xml"))
        #expect(run.hosts == Self.labHosts)
        #expect(run.hostsNotUp == 249)
        #expect(run.stats == RunStats(elapsed: 1.97, up: 7, down: 249, total: 256))
    }

    @Test func unprivilegedRunHasNoMACs() throws {
        let run = try NmapXMLParser.parse(try Fixture.bytes("unprivileged-fast.xml"))
        #expect(run.hosts.count == 7)
        #expect(run.hosts.allSatisfy { $0.mac == nil && $0.vendor == nil && !$0.randomizedMAC })
        #expect(run.hosts.map(\.address) == ["192.0.2.1", "192.0.2.11", "192.0.2.12", "192.0.2.13", "192.0.2.14", "192.0.2.15", "192.0.2.16"])
        #expect(run.hosts.first { $0.address == "192.0.2.11" }?.reason == "syn-ack")
        #expect(run.hosts.first { $0.address == "192.0.2.12" }?.reason == "conn-refused")
        #expect(
            run.hosts.map(\.hostName) == [
                "scanner.lab", "anna-iphone.lab", "kitchen-pi.lab", "pixel-random.lab", "office-laptop.lab", "living-room-speaker.lab",
                "mystery-box.lab",
            ])
    }

    @Test func netRawPrivilegedRunHasMACs() throws {
        let run = try NmapXMLParser.parse(try Fixture.bytes("netraw-privileged-sn.xml"))
        #expect(run.hosts.filter { $0.mac != nil }.count == 6)
        #expect(run.hosts.first { $0.address == "192.0.2.12" }?.vendor == "Raspberry Pi Foundation")
    }

    /// nmap lists 192.0.2.12 twice when it is given by name and inside a range: one host comes back.
    @Test func hostnameTargetIsFirstName() throws {
        let run = try NmapXMLParser.parse(try Fixture.bytes("root-sn-hostname-target.xml"))
        #expect(run.hosts.map(\.address) == ["192.0.2.12", "192.0.2.11", "192.0.2.13"])
        #expect(run.hosts.map(\.hostName) == ["kitchen-pi.lab", "anna-iphone.lab", "Anna*s***Pixel**.lab"])
    }

    @Test func entitiesInRealVendorNames() throws {
        let run = try NmapXMLParser.parse(try Fixture.bytes("root-sn-odd-names.xml"))
        let vendors = run.hosts.map(\.vendor)
        #expect(vendors.contains("Sureman COMP. & Commun."))
        #expect(vendors.contains("Equip'trans"))
        // nmap itself replaces odd characters in names from /etc/hosts with '*'.
        #expect(run.hosts.contains { $0.hostName == "caf**-tv.lab" })
    }

    @Test func oddCharactersInNames() throws {
        let run = try NmapXMLParser.parse(try Fixture.bytes("derived-odd-names.xml"))
        let names = run.hosts.map { $0.hostName ?? "" }
        #expect(names.contains("Anna's & <\"Pixel\"> \u{263A}\u{E9}"))
        #expect(names.contains("café-tv \"salon\".lab")) // single-quoted attribute, raw UTF-8
        #expect(names.contains("speaker\u{FFFD}\u{FFFD}&bogus;.lab")) // &#0; and beyond U+10FFFF; unknown entity kept
        #expect(names.contains("mystery-\u{FFFD}\u{FFFD}box.lab")) // invalid UTF-8 bytes
    }

    @Test func truncatedOutputIsIncomplete() throws {
        let failure = try #require(parseFailure(try Fixture.bytes("truncated-fast.xml")))
        #expect(failure.kind == .incompleteXML)
        #expect(failure.message.contains("5266 bytes"))
    }

    /// CPU-heavy loops yield now and then: they share two cores with the timing tests.
    @Test func everyCutOfARealDocumentIsIncomplete() async throws {
        let bytes = try Fixture.bytes("root-sn.xml")
        // Up to the final newline, which is not part of the document.
        for length in 0..<(bytes.count - 1) {
            if length % 64 == 0 { await Task.yield() }
            guard let failure = parseFailure(Array(bytes[0..<length])) else {
                Issue.record("a cut at \(length) of \(bytes.count) bytes parsed as complete")
                continue
            }
            #expect(failure.kind == .incompleteXML, "cut at \(length): \(failure.message)")
        }
    }

    @Test func garbageIsInvalid() throws {
        let failure = try #require(parseFailure(try Fixture.bytes("garbage.bin")))
        #expect(failure.kind == .invalidXML)
        #expect(failure.message.contains("<html>"))
    }

    @Test func nmapErrorDocumentsAreFailures() throws {
        let exclude = try #require(parseFailure(try Fixture.bytes("nmap-error-empty-exclude.xml")))
        #expect(exclude.kind == .nmapReportedError)
        #expect(exclude.message.contains("Error resolving name \"--reason\""))
        let ports = try #require(parseFailure(try Fixture.bytes("nmap-error-bad-ports.xml")))
        #expect(ports.kind == .nmapReportedError)
        #expect(ports.message.contains("Ports specified must be between 0 and 65535"))
    }

    @Test func emptyOutputIsIncomplete() throws {
        #expect(parseFailure([])?.kind == .incompleteXML)
    }

    @Test(arguments: [
        ("plain text, not xml", "text before the first element"),
        ("<?xml version=\"1.0\"?><html></html>", "<html>"),
        ("<nmaprun><host></nmaprun>", "does not close <host>"),
        ("<nmaprun a=b></nmaprun>", "without quotes"),
        ("<nmaprun a=\"x<y\"></nmaprun>", "'<' inside an attribute value"),
        ("<nmaprun></nmaprun><nmaprun>", "second root element"),
        ("<nmaprun><runstats><finished exit=\"success\"/></runstats></nmaprun>trailing", "text after </nmaprun>"),
        ("<nmaprun>< host/></nmaprun>", "not followed by a tag name"),
        ("<nmaprun></host></nmaprun>", "does not close <nmaprun>"),
        ("</nmaprun>", "without a start tag"),
        ("<nmaprun a=\"1\"b=\"2\"></nmaprun>", "unexpected character"),
    ])
    func malformedDocumentsAreInvalid(document: String, why: String) throws {
        let failure = try #require(parseFailure(Array(document.utf8)))
        #expect(failure.kind == .invalidXML, "\(failure.message)")
        #expect(failure.message.contains(why), "\(failure.message)")
    }

    @Test func handlesPrologCommentsDoctypeCDATAAndSingleQuotes() throws {
        let document = """
            \u{FEFF}<?xml version="1.0" encoding="UTF-8"?>
            <!DOCTYPE nmaprun [ <!ENTITY x "y>z"> ]>
            <?xml-stylesheet href="file:///usr/share/nmap/nmap.xsl" type="text/xsl"?>
            <!-- Nmap 7.93 scan initiated -> with a <tag> in a comment -->
            <nmaprun scanner='nmap' args='nmap -oX - 203.0.113.1' start="0" version="7.93">
            <host><status state='up' reason='echo-reply'/><![CDATA[ <host> ]]>
            <address addr='203.0.113.1' addrtype='ipv4'/><address addr="aa-bb-cc-dd-ee-ff" addrtype="mac"/>
            <hostnames><hostname name="" type="PTR"/><hostname name="second" type="PTR"/></hostnames>
            </host>
            <host><status state="down" reason="no-response"/><address addr="203.0.113.2" addrtype="ipv4"/></host>
            <runstats><finished elapsed="0.50" exit="success"/><hosts up="1" down="1" total="2"/></runstats>
            </nmaprun>

            """
        let run = try NmapXMLParser.parse(Array(document.utf8))
        #expect(run.hosts == [ScanHost(ipv4: "203.0.113.1", mac: "aa:bb:cc:dd:ee:ff", hostName: "second", reason: "echo-reply")])
        #expect(run.hosts[0].randomizedMAC)
        #expect(run.stats == RunStats(elapsed: 0.5, up: 1, down: 1, total: 2))
        #expect(run.hostsNotUp == 1)
    }

    @Test func ipv6Hosts() throws {
        let document = """
            <nmaprun><host><status state="up" reason="nd-response"/><address addr="2001:db8::11" addrtype="ipv6"/>\
            <address addr="3C:22:FB:10:00:11" addrtype="mac" vendor="Apple"/></host>\
            <runstats><finished exit="success" elapsed="1"/><hosts up="1" down="0" total="1"/></runstats></nmaprun>
            """
        let run = try NmapXMLParser.parse(Array(document.utf8))
        #expect(run.hosts == [ScanHost(ipv6: "2001:db8::11", mac: "3c:22:fb:10:00:11", vendor: "Apple", reason: "nd-response")])
        #expect(run.hosts[0].address == "2001:db8::11")
    }

    /// Random damage to a real document ends in a result or a failure, never a crash or a hang.
    @Test func survivesRandomDamage() async throws {
        let original = try Fixture.bytes("root-fast.xml")
        var generator = SplitMix64(seed: 20_261_126)
        var outcomes: [ScanFailure.Kind?: Int] = [:]
        for round in 0..<3000 {
            if round % 64 == 0 { await Task.yield() }
            var bytes = original
            for _ in 0..<Int.random(in: 1...8, using: &generator) {
                let position = Int.random(in: 0..<bytes.count, using: &generator)
                switch Int.random(in: 0..<3, using: &generator) {
                case 0: bytes[position] = UInt8.random(in: 0...255, using: &generator)
                case 1: bytes.remove(at: position)
                default: bytes.insert(Array("<>&\"'/=!?".utf8).randomElement(using: &generator)!, at: position)
                }
            }
            outcomes[parseFailure(bytes)?.kind, default: 0] += 1
        }
        #expect(outcomes.values.reduce(0, +) == 3000)
        #expect(outcomes[.invalidXML, default: 0] > 0)
    }

    func parseFailure(_ bytes: [UInt8]) -> ScanFailure? {
        do {
            _ = try NmapXMLParser.parse(bytes)
            return nil
        } catch {
            return error
        }
    }
}
