import Foundation
import TestSupport
import Testing

@testable import NmapScanner

/// The parser takes a down host written exactly as nmap writes one in one step; the result of every
/// input, failures and their messages included, must be what reading it token by token gives.
@Suite("Down hosts taken in one step")
struct DownHostShortcutTests {
    static func bothWays(_ bytes: [UInt8]) -> (shortcut: Result<NmapRun, ScanFailure>, tokens: Result<NmapRun, ScanFailure>) {
        bytes.withUnsafeBufferPointer { buffer in
            (NmapXMLParser.parse(buffer: buffer), NmapXMLParser.parse(buffer: buffer, downHostShortcut: false))
        }
    }

    /// How many `<host>` elements at these bytes the shortcut takes.
    static func shortcuts(_ bytes: [UInt8]) -> Int {
        bytes.withUnsafeBufferPointer { buffer in
            let input = NmapXMLParser.Input(buffer)
            var count = 0
            var k = 0
            while let lt = input.find(UInt8(ascii: "<"), from: k) {
                if input.downHostEnd(from: lt) != nil { count += 1 }
                k = lt + 1
            }
            return count
        }
    }

    @Test("every fixture", arguments: Fixture.documents)
    func fixtures(fixture: String) throws {
        let result = Self.bothWays(try Fixture.bytes(fixture))
        #expect(result.shortcut == result.tokens)
    }

    @Test("nmap's own -v sweep: all 249 down hosts take the shortcut")
    func realSweep() throws {
        let bytes = try Fixture.bytes("root-sn-verbose.xml")
        #expect(Self.shortcuts(bytes) == 249)
        #expect(try Self.bothWays(bytes).shortcut.get().hostsNotUp == 249)
    }

    @Test("near misses are read token by token, to the same result")
    func nearMisses() throws {
        let down =
            "<host><status state=\"down\" reason=\"no-response\" reason_ttl=\"0\"/>\n<address addr=\"192.0.2.9\" addrtype=\"ipv4\"/>\n</host>\n"
        let variants = [
            down, // taken
            down.replacingOccurrences(of: "\"down\"", with: "\"up\""),
            down.replacingOccurrences(of: "\"down\"", with: "\"&#100;own\""),
            down.replacingOccurrences(of: "ipv4", with: "ipv6"),
            down.replacingOccurrences(of: "/>\n<address", with: "/> <address"),
            down.replacingOccurrences(of: "no-response", with: "no<response"),
            down.replacingOccurrences(of: "no-response", with: "no&amp;response"),
            down.replacingOccurrences(of: "192.0.2.9", with: ""),
            down.replacingOccurrences(of: "</host>", with: "</hosts>"),
            down.replacingOccurrences(of: "</host>\n", with: ""),
        ]
        for (index, variant) in variants.enumerated() {
            let document =
                "<nmaprun start=\"1\">\n" + variant
                + "<runstats><finished elapsed=\"1\" exit=\"success\"/><hosts up=\"0\" down=\"1\" total=\"1\"/></runstats>\n</nmaprun>\n"
            let result = Self.bothWays(Array(document.utf8))
            #expect(result.shortcut == result.tokens, "variant \(index)")
        }
    }

    @Test("mutated fixtures, and a sweep mutated inside its down hosts", .timeLimit(.minutes(2)))
    func mutated() throws {
        let corpus = try Fixture.documents.map { try Fixture.bytes($0) }
        for seed in 0..<UInt64(1500) {
            var random = SplitMix64(seed: seed)
            let input = XMLParserFuzzTests.mutate(corpus[random.below(corpus.count)], corpus: corpus, using: &random)
            let result = Self.bothWays(input)
            #expect(result.shortcut == result.tokens, "seed \(seed)")
        }
        // One change in the first 20,000 bytes of down hosts in the sweep: most hosts still take the
        // shortcut, the changed one usually does not.
        let sweep = try Fixture.bytes("root-sn-verbose.xml")
        let first = try #require(sweep.firstRange(of: Array("<host><status state=\"down\"".utf8))).lowerBound
        for seed in 0..<UInt64(1500) {
            var random = SplitMix64(seed: seed &+ 1_000_000)
            var input = sweep
            let position = first + random.below(20_000)
            switch random.below(3) {
            case 0: input.insert(contentsOf: XMLParserFuzzTests.tokens[random.below(XMLParserFuzzTests.tokens.count)], at: position)
            case 1: input.removeSubrange(position..<position + 1 + random.below(40))
            default: input[position] = random.byte()
            }
            let result = Self.bothWays(input)
            #expect(result.shortcut == result.tokens, "sweep seed \(seed)")
        }
    }
}
