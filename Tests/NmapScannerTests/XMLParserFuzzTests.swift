import Foundation
import Testing
@testable import NmapScanner

/// A seeded random-mutation fuzzer over the captured fixtures: whatever nmap (or something posing as
/// it) prints, the parser returns hosts or a ScanFailure, in bounded time and memory, and never crashes.
/// Bounded to a few seconds so CI always runs it; `NMAP2MQTT_FUZZ_SECONDS` runs it longer, and
/// `NMAP2MQTT_FUZZ_SEED` replays one seed.
@Suite("XML parser fuzzing")
struct XMLParserFuzzTests {
    static let fixtures = [
        "root-fast.xml", "root-sn.xml", "root-sn-verbose.xml", "unprivileged-fast.xml", "netraw-privileged-sn.xml",
        "root-sn-hostname-target.xml", "root-sn-odd-names.xml", "derived-odd-names.xml", "nmap-error-empty-exclude.xml",
        "nmap-error-bad-ports.xml", "truncated-fast.xml", "garbage.bin",
    ]

    /// Pieces of markup that tend to reach the parser's corners.
    static let tokens: [[UInt8]] = [
        "<", ">", "</", "/>", "<!--", "-->", "<![CDATA[", "]]>", "<!DOCTYPE x [", "<?", "?>", "&", "&#", "&#x", ";",
        "&amp;", "&#0;", "&#x110000;", "&#99999999999;", "\"", "'", "=", "<host>", "</host>", "<nmaprun>", "</nmaprun>",
        "<status state=\"up\"/>", "<address addr=\"1.2.3.4\" addrtype=\"ipv4\"/>", "<finished exit=\"success\"/>",
        "<hostname name=\"", "\u{FEFF}", "\0",
    ].map { Array($0.utf8) } + [[0xFF], [0xC3], [0xEF, 0xBB, 0xBF], [0x80, 0x80]]

    struct Generator: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    static func mutate(_ input: [UInt8], corpus: [[UInt8]], using random: inout Generator) -> [UInt8] {
        var bytes = input
        for _ in 0..<Int.random(in: 1...8, using: &random) {
            let position = bytes.isEmpty ? 0 : Int.random(in: 0..<bytes.count, using: &random)
            switch Int.random(in: 0..<8, using: &random) {
            case 0 where !bytes.isEmpty:
                bytes[position] = UInt8.random(in: 0...255, using: &random)
            case 1:
                bytes.insert(contentsOf: tokens.randomElement(using: &random)!, at: position)
            case 2 where !bytes.isEmpty:
                let end = min(bytes.count, position + Int.random(in: 1...64, using: &random))
                bytes.removeSubrange(position..<end)
            case 3 where !bytes.isEmpty:
                let end = min(bytes.count, position + Int.random(in: 1...200, using: &random))
                let copy = Array(bytes[position..<end])
                bytes.insert(contentsOf: copy, at: Int.random(in: 0...bytes.count, using: &random))
            case 4:
                bytes = Array(bytes.prefix(position))
            case 5:
                let other = corpus.randomElement(using: &random)!
                guard !other.isEmpty else { continue }
                let start = Int.random(in: 0..<other.count, using: &random)
                bytes.insert(contentsOf: other[start..<min(other.count, start + 300)], at: position)
            case 6 where !bytes.isEmpty:
                // Deep nesting: many opened elements.
                bytes.insert(contentsOf: Array(repeating: Array("<a>".utf8), count: Int.random(in: 1...2000, using: &random)).flatMap { $0 },
                             at: position)
            default:
                bytes.insert(UInt8.random(in: 0...255, using: &random), at: position)
            }
        }
        return bytes
    }

    @Test("mutated fixtures never crash, hang or blow up the parser", .timeLimit(.minutes(2)))
    func mutatedFixtures() throws {
        let corpus = try Self.fixtures.map { try Fixture.bytes($0) }
        let environment = ProcessInfo.processInfo.environment
        let budget = Double(environment["NMAP2MQTT_FUZZ_SECONDS"] ?? "") ?? 4
        let seeds: [UInt64] = environment["NMAP2MQTT_FUZZ_SEED"].flatMap(UInt64.init).map { [$0] } ?? Array(1...UInt64(1_000_000))
        let clock = ContinuousClock()
        let deadline = clock.now + .milliseconds(Int(budget * 1000))
        var runs = 0
        var outcomes: [String: Int] = [:]
        for seed in seeds {
            var random = Generator(state: seed)
            let input = Self.mutate(corpus.randomElement(using: &random)!, corpus: corpus, using: &random)
            let started = clock.now
            let kind: String
            do {
                let run = try NmapXMLParser.parse(input)
                // Every host came from a <host> element of the input: no invented hosts.
                #expect(run.hosts.count <= input.count / 20, "seed \(seed): \(run.hosts.count) hosts from \(input.count) bytes")
                kind = "parsed"
            } catch {
                #expect(!error.message.isEmpty, "seed \(seed): a failure without a message")
                #expect(error.message.utf8.count < 2000, "seed \(seed): an unbounded message")
                kind = "\(error.kind)"
            }
            let took = started.duration(to: clock.now)
            #expect(took < .seconds(1), "seed \(seed): one parse of \(input.count) bytes took \(took)")
            outcomes[kind, default: 0] += 1
            runs += 1
            if clock.now >= deadline { break }
        }
        #expect(runs > 100, "only \(runs) inputs in \(budget) s")
        // Mutations must reach both outcomes, or the fuzzer tests nothing.
        #expect(outcomes["parsed", default: 0] > 0 && outcomes.count > 2, "outcomes: \(outcomes)")
    }
}
