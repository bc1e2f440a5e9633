import Foundation
import TestSupport
import Testing

@testable import Bridge

/// A seeded random-mutation fuzzer over real configurations (the sample, a Home Assistant block, a full
/// file with a password): whatever a user or a broken editor writes, the reader returns settings or one
/// `ConfigError` line (the executable turns it into exit 78), in bounded time, without a crash, and never
/// with the password in it. A few seconds in CI; `NMAP2MQTT_FUZZ_SECONDS` runs it longer and
/// `NMAP2MQTT_FUZZ_SEED` replays one seed.
@Suite("Configuration fuzzing")
struct ConfigFuzzTests {
    static let password = "pw-Zq8sLk2v"

    static let seeds: [String] = [
        (try? String(contentsOfFile: ConfigTests.repositoryRoot + "/config.sample.yaml", encoding: .utf8)) ?? "",
        """
        device_tracker:
          - platform: nmap_tracker
            hosts: 192.0.2.0/24
            home_interval: 10
            exclude: [192.0.2.1]
            scan_options: " --privileged -sn "
            consider_home: 0:03:00
            track_new_devices: true
        """,
        """
        mqtt:
          host: broker.lan
          port: 8883
          username: bridge
          password: "\(password)"
          tls: {ca_file: /etc/ssl/ca.pem, insecure: false}
          base_topic: home/presence
        scan:
          hosts: [192.0.2.0/24, 198.51.100.7]
          exclude_macs: ["aa:bb:cc:dd:ee:ff"]
          interval_seconds: 10
          consider_home: 5m
        devices:
          - {mac: "3c:22:fb:12:34:56", name: "Anna's phone", consider_home: 600}
          - mac: 00-1b-a9-01-02-03
            track: false
        track_without_mac: true
        log_level: debug
        """,
    ]

    /// Pieces of YAML that tend to reach a reader's corners.
    static let tokens: [String] = [
        "{", "}", "[", "]", ":", ": ", "- ", ",", "&a ", "*a", "*b", "&b [*a, *a, *a, *a]", "!!str ", "!!int ", "!!binary ",
        "!secret x", "!custom ", "\t", "'", "\"", "\\", "\n", "\n  ", "\n    - ", "<<: *a", "~", "null", "0x1F", "0o17",
        "1e999", "-1", "99999999999999999999", ".inf", ".nan", "yes", "on", "3:00", "\"3:00\"", "%YAML 1.1\n", "---\n", "...\n",
        "? ", "|", "|-", ">", "#", "\u{FEFF}", "\u{0}", "\u{7}", "é", "🏠", "mqtt:", "scan:", "hosts:", "devices:", "password:", "\"a\\nb\": ",
        "\"\\e[31m\"", "'x\ny'",
    ]

    static func mutate(_ input: String, using random: inout SplitMix64) -> String {
        var scalars = Array(input.unicodeScalars)
        for _ in 0..<(1 + random.below(6)) {
            let position = scalars.isEmpty ? 0 : random.below(scalars.count)
            switch random.below(7) {
            case 0 where !scalars.isEmpty:
                scalars[position] = Unicode.Scalar(UInt8(32 + random.below(95)))
            case 1, 2:
                scalars.insert(contentsOf: tokens[random.below(tokens.count)].unicodeScalars, at: position)
            case 3 where !scalars.isEmpty:
                scalars.removeSubrange(position..<min(scalars.count, position + 1 + random.below(40)))
            case 4 where !scalars.isEmpty:
                let end = min(scalars.count, position + 1 + random.below(120))
                scalars.insert(contentsOf: Array(scalars[position..<end]), at: random.below(scalars.count + 1))
            case 5:
                scalars = Array(scalars.prefix(position))
            default:
                // Re-indent one line: YAML's structure lives in its indentation.
                let lineStart = scalars[..<position].lastIndex(of: "\n").map { $0 + 1 } ?? 0
                if random.below(2) == 0 {
                    scalars.insert(contentsOf: Array(repeating: " ", count: 1 + random.below(4)), at: lineStart)
                } else if lineStart < scalars.count, scalars[lineStart] == " " {
                    scalars.remove(at: lineStart)
                }
            }
        }
        var text = ""
        text.unicodeScalars.append(contentsOf: scalars)
        return text
    }

    struct Summary: Sendable {
        var runs = 0
        var parsed = 0
        var rejected = 0
        var problems: [String] = []
    }

    static func fuzz(seeds: [UInt64], budget: Double) -> Summary {
        let clock = ContinuousClock()
        let deadline = clock.now + .milliseconds(Int(budget * 1000))
        var summary = Summary()
        for seed in seeds {
            var random = SplitMix64(seed: seed)
            let input = mutate(Self.seeds[random.below(Self.seeds.count)], using: &random)
            let started = clock.now
            do {
                _ = try BridgeConfiguration.parse(yaml: input, configDirectory: "/etc/nmap2mqtt", environment: [:])
                summary.parsed += 1
            } catch {
                summary.rejected += 1
                let line = "\(error)"
                if line.isEmpty || line.contains("\n") || line.utf8.count > 1200 {
                    summary.problems.append("seed \(seed): not one short line: \(line.prefix(300).debugDescription)")
                }
                // While the file still says `password: <it>`, the reader knows it is a password; a mutation
                // that destroyed the key name made it ordinary text.
                if line.contains(password), input.contains("password: \"\(password)") {
                    summary.problems.append("seed \(seed): the password is in the error: \(line.prefix(300))")
                }
            }
            let took = started.duration(to: clock.now)
            if took > .seconds(1) {
                summary.problems.append("seed \(seed): reading \(input.utf8.count) bytes took \(took)")
            }
            summary.runs += 1
            if clock.now >= deadline { break }
        }
        return summary
    }

    @Test(
        "mutated configurations never crash or hang the reader; every rejection is one line without the password",
        .timeLimit(.minutes(2)))
    func mutatedConfigurations() async throws {
        #expect(Self.seeds.allSatisfy { !$0.isEmpty })
        let environment = ProcessInfo.processInfo.environment
        let budget = Double(environment["NMAP2MQTT_FUZZ_SECONDS"] ?? "") ?? 3
        let seeds: [UInt64] = environment["NMAP2MQTT_FUZZ_SEED"].flatMap(UInt64.init).map { [$0] } ?? Array(1...UInt64(1_000_000))
        let summary = await withCheckedContinuation { (continuation: CheckedContinuation<Summary, Never>) in
            let thread = Thread { continuation.resume(returning: Self.fuzz(seeds: seeds, budget: budget)) }
            thread.name = "config fuzz"
            thread.start()
        }
        #expect(summary.problems.isEmpty, "\(summary.problems.prefix(20))")
        #expect(summary.runs > 50 || seeds.count == 1, "only \(summary.runs) inputs in \(budget) s")
        #expect(seeds.count == 1 || (summary.parsed > 0 && summary.rejected > 0), "parsed \(summary.parsed), rejected \(summary.rejected)")
    }

    @Test(
        "a quoted key or value holding a newline or an escape sequence still gives one line",
        arguments: [
            "\"sc\\nan\": 1\nscan: {hosts: 192.0.2.0/24}", "scan: {hosts: 192.0.2.0/24, \"ex\\e[2Jclude\": x}",
            "scan: {hosts: 192.0.2.0/24, consider_home: \"3\\n0\"}", "log_level: \"in\\u2028fo\"\nscan: {hosts: 192.0.2.0/24}",
        ])
    func controlCharactersInErrors(yaml: String) {
        do {
            _ = try BridgeConfiguration.parse(yaml: yaml, configDirectory: "/etc/nmap2mqtt", environment: [:])
            Issue.record("accepted: \(yaml)")
        } catch {
            let line = "\(error)"
            #expect(!line.unicodeScalars.contains { $0.value < 0x20 || $0 == "\u{2028}" }, "\(line.debugDescription)")
        }
    }

    @Test("a quote left open carries the password into another key's value: the error masks it")
    func passwordCarriedIntoAnotherValue() {
        let yaml = "mqtt:\n  host: \"broker.lan\n  password: \(Self.password)\"\nscan: {hosts: 192.0.2.0/24}\n"
        do {
            _ = try BridgeConfiguration.parse(yaml: yaml, configDirectory: "/etc/nmap2mqtt", environment: [:])
            Issue.record("accepted")
        } catch {
            #expect(!"\(error)".contains(Self.password), "\(error)")
            #expect("\(error)".contains("********"), "\(error)")
        }
    }

    @Test("aliases that expand exponentially (a billion laughs) are refused quickly, not expanded")
    func billionLaughs() throws {
        // Nine levels of ten references each: 10^9 strings if the reader expanded them.
        var levels = ["&a0 [x, x, x, x, x, x, x, x, x, x]"]
        for level in 1...9 {
            levels.append("&a\(level) [" + Array(repeating: "*a\(level - 1)", count: 10).joined(separator: ", ") + "]")
        }
        let yaml = "scan:\n  hosts: 192.0.2.0/24\n  exclude: [\(levels.joined(separator: ", "))]\n"
        let started = ContinuousClock.now
        #expect(throws: ConfigError.self) {
            try BridgeConfiguration.parse(yaml: yaml, configDirectory: "/etc/nmap2mqtt", environment: [:])
        }
        #expect(ContinuousClock.now - started < .seconds(2))
    }
}
