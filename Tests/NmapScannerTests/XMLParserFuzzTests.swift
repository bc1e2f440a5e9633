import Foundation
import TestSupport
import Testing

@testable import NmapScanner

/// A seeded random-mutation fuzzer over the captured fixtures: whatever nmap (or something posing as
/// it) prints, the parser returns hosts or a ScanFailure, in bounded time and memory, and never crashes.
/// Bounded to a few seconds so CI always runs it; `NMAP2MQTT_FUZZ_SECONDS` runs it longer, and
/// `NMAP2MQTT_FUZZ_SEED` replays one seed.
@Suite("XML parser fuzzing")
struct XMLParserFuzzTests {
    static let fixtures = Fixture.documents

    /// Pieces of markup that tend to reach the parser's corners.
    static let tokens: [[UInt8]] =
        [
            "<", ">", "</", "/>", "<!--", "-->", "<![CDATA[", "]]>", "<!DOCTYPE x [", "<?", "?>", "&", "&#", "&#x", ";",
            "&amp;", "&#0;", "&#x110000;", "&#99999999999;", "\"", "'", "=", "<host>", "</host>", "<nmaprun>", "</nmaprun>",
            "<status state=\"up\"/>", "<address addr=\"1.2.3.4\" addrtype=\"ipv4\"/>", "<finished exit=\"success\"/>",
            "<hostname name=\"", "\u{FEFF}", "\0",
        ].map { Array($0.utf8) } + [[0xFF], [0xC3], [0xEF, 0xBB, 0xBF], [0x80, 0x80]]

    static func mutate(_ input: [UInt8], corpus: [[UInt8]], using random: inout SplitMix64) -> [UInt8] {
        var bytes = input
        for _ in 0..<(1 + random.below(8)) {
            let position = bytes.isEmpty ? 0 : random.below(bytes.count)
            switch random.below(8) {
            case 0 where !bytes.isEmpty:
                bytes[position] = random.byte()
            case 1:
                bytes.insert(contentsOf: tokens[random.below(tokens.count)], at: position)
            case 2 where !bytes.isEmpty:
                let end = min(bytes.count, position + 1 + random.below(64))
                bytes.removeSubrange(position..<end)
            case 3 where !bytes.isEmpty:
                let end = min(bytes.count, position + 1 + random.below(200))
                let copy = Array(bytes[position..<end])
                bytes.insert(contentsOf: copy, at: random.below(bytes.count + 1))
            case 4:
                bytes = Array(bytes.prefix(position))
            case 5:
                let other = corpus[random.below(corpus.count)]
                guard !other.isEmpty else { continue }
                let start = random.below(other.count)
                bytes.insert(contentsOf: other[start..<min(other.count, start + 300)], at: position)
            case 6 where !bytes.isEmpty:
                // Deep nesting: many opened elements.
                let opened = 1 + random.below(2000)
                var nest: [UInt8] = []
                nest.reserveCapacity(opened * 3)
                for _ in 0..<opened { nest += [0x3C, 0x61, 0x3E] } // "<a>"
                bytes.insert(contentsOf: nest, at: position)
            default:
                bytes.insert(random.byte(), at: position)
            }
        }
        return bytes
    }

    struct Summary: Sendable {
        var runs = 0
        var outcomes: [String: Int] = [:]
        var problems: [String] = []
    }

    /// Parses mutated inputs until `budget` seconds have passed. Runs on a thread of its own, so the
    /// CPU-bound loop never holds one of the (two, here) threads of Swift's cooperative pool.
    static func fuzz(corpus: [[UInt8]], seeds: [UInt64], budget: Double) -> Summary {
        let clock = ContinuousClock()
        let deadline = clock.now + .milliseconds(Int(budget * 1000))
        var summary = Summary()
        for seed in seeds {
            var random = SplitMix64(seed: seed)
            let input = mutate(corpus[random.below(corpus.count)], corpus: corpus, using: &random)
            let started = clock.now
            let kind: String
            do {
                let run = try NmapXMLParser.parse(input)
                // Every host came from a <host> element of the input: no invented hosts.
                if run.hosts.count > input.count / 20 {
                    summary.problems.append("seed \(seed): \(run.hosts.count) hosts from \(input.count) bytes")
                }
                kind = "parsed"
            } catch {
                if error.message.isEmpty || error.message.utf8.count > 2000 {
                    summary.problems.append("seed \(seed): a failure message of \(error.message.utf8.count) bytes")
                }
                kind = "\(error.kind)"
            }
            let took = started.duration(to: clock.now)
            if took > .seconds(1) {
                summary.problems.append("seed \(seed): one parse of \(input.count) bytes took \(took)")
            }
            summary.outcomes[kind, default: 0] += 1
            summary.runs += 1
            if clock.now >= deadline { break }
        }
        return summary
    }

    @Test("mutated fixtures never crash, hang or blow up the parser", .timeLimit(.minutes(2)))
    func mutatedFixtures() async throws {
        let corpus = try Self.fixtures.map { try Fixture.bytes($0) }
        let environment = ProcessInfo.processInfo.environment
        let budget = Double(environment["NMAP2MQTT_FUZZ_SECONDS"] ?? "") ?? 3
        let seeds: [UInt64] = environment["NMAP2MQTT_FUZZ_SEED"].flatMap(UInt64.init).map { [$0] } ?? Array(1...UInt64(1_000_000))
        let summary = await withCheckedContinuation { (continuation: CheckedContinuation<Summary, Never>) in
            let thread = Thread { continuation.resume(returning: Self.fuzz(corpus: corpus, seeds: seeds, budget: budget)) }
            thread.name = "XML fuzz"
            thread.start()
        }
        #expect(summary.problems.isEmpty, "\(summary.problems.prefix(20))")
        #expect(summary.runs > 50 || seeds.count == 1, "only \(summary.runs) inputs in \(budget) s")
        // Mutations must reach both outcomes, or the fuzzer tests nothing.
        #expect(seeds.count == 1 || (summary.outcomes["parsed", default: 0] > 0 && summary.outcomes.count > 2), "outcomes: \(summary.outcomes)")
    }
}
