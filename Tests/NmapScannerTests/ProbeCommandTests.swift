import Logging
import Testing

@testable import NmapScanner

/// The argv of each step of a re-probe, from the user's scan options: the probe must be at least as
/// strong as the scan it checks, and must never report everyone up.
@Suite struct ProbeCommandTests {
    let logger = Logger(label: "test")

    func scanner(_ options: String, targets: [String] = ["198.51.100.0/24"]) throws -> NmapScanner {
        try NmapScanner(
            configuration: ScannerConfiguration(targets: targets, scanOptions: options, excludeOwnAddresses: false),
            logger: logger)
    }

    let wakeBase = [
        "nmap", "-oX", "-", "-n", "-Pn", "--disable-arp-ping", "-sU", "-p", "5353", "--max-retries", "0",
        "--host-timeout", "2s",
    ]
    let probeBase = ["nmap", "-oX", "-", "-sn", "-n"]

    @Test func defaultOptionsKeepTheHostTimeout() throws {
        let scanner = try scanner(ScannerConfiguration.defaultScanOptions) // -F --host-timeout 5s
        #expect(scanner.wakeCommand(address: "198.51.100.7") == wakeBase + ["198.51.100.7"])
        #expect(
            scanner.probeCommand(address: "198.51.100.7", witnesses: ["198.51.100.8"])
                == probeBase + ["--host-timeout", "5s", "198.51.100.7", "198.51.100.8"])
    }

    @Test func arpPingIsKept() throws {
        let scanner = try scanner("-sn -n -PR")
        #expect(scanner.wakeCommand(address: "198.51.100.7") == wakeBase + ["198.51.100.7"])
        #expect(scanner.probeCommand(address: "198.51.100.7", witnesses: []) == probeBase + ["-PR", "198.51.100.7"])
    }

    @Test func discoveryTimingAndPacketPathAreKept() throws {
        let scanner = try scanner("-sn -PS22,443 -PE --disable-arp-ping -T4 --privileged -e eth1")
        #expect(scanner.wakeCommand(address: "198.51.100.7") == wakeBase + ["--privileged", "-e", "eth1", "198.51.100.7"])
        #expect(
            scanner.probeCommand(address: "198.51.100.7", witnesses: ["198.51.100.9", "198.51.100.8"])
                == probeBase + [
                    "-PS22,443", "-PE", "--disable-arp-ping", "-T4", "--privileged", "-e", "eth1", "198.51.100.7",
                    "198.51.100.9", "198.51.100.8",
                ])
    }

    /// `-Pn` (and its old spellings) would report every host up, so a gone device would always answer:
    /// scan_options refuse it, so no probe can carry it.
    @Test func noPingIsRefused() throws {
        for options in ["-Pn -sn", "-P0 -sn", "-PN"] {
            #expect(throws: NmapScannerError.self, "\(options)") { try scanner(options) }
        }
    }

    @Test func portsScanTypesAndOutputDetailAreDroppedWithTheirValues() throws {
        let scanner = try scanner(
            "-p 22,80 -sS -v --reason --top-ports 10 -PU53 -PA80 -PY -PP -PM "
                + "-PO2 --max-retries 1 --min-rtt-timeout 100ms --max-rtt-timeout=900ms --initial-rtt-timeout 300ms "
                + "-T aggressive --send-eth -eeth2 --unprivileged --send-ip -n -R")
        #expect(
            scanner.probeCommand(address: "198.51.100.7", witnesses: []) == probeBase + [
                "-PU53", "-PA80", "-PY", "-PP", "-PM", "-PO2", "--max-retries", "1", "--min-rtt-timeout", "100ms",
                "--max-rtt-timeout=900ms", "--initial-rtt-timeout", "300ms", "-T", "aggressive", "--send-eth", "-eeth2",
                "--unprivileged", "--send-ip", "198.51.100.7",
            ])
        #expect(scanner.wakeCommand(address: "198.51.100.7") == wakeBase + ["--send-eth", "-eeth2", "--unprivileged", "--send-ip", "198.51.100.7"])
    }

    @Test func hostTimeoutIsAtLeastTwoSeconds() throws {
        let cases: [(String, [String])] = [
            ("--host-timeout 1s", ["--host-timeout", "2s"]),
            ("--host-timeout 1500ms", ["--host-timeout", "2s"]),
            ("--host-timeout=1.5s", ["--host-timeout=2s"]),
            ("--host-timeout 1", ["--host-timeout", "2s"]),
            ("--host-timeout 3", ["--host-timeout", "3"]),
            ("--host-timeout 2s", ["--host-timeout", "2s"]),
            ("--host-timeout 1m", ["--host-timeout", "1m"]),
            ("--host-timeout 0", ["--host-timeout", "0"]), // no timeout at all
        ]
        for (options, kept) in cases {
            #expect(
                try scanner(options).probeCommand(address: "198.51.100.7", witnesses: []) == probeBase + kept + ["198.51.100.7"],
                "\(options)")
        }
    }

    @Test func witnessesAreSingleAddressesOfTheSameFamilyOnceAndNeverTheAddressItself() throws {
        let scanner = try scanner("-sn")
        #expect(
            scanner.probeCommand(
                address: "198.51.100.7",
                witnesses: [
                    "198.51.100.8", " 198.51.100.8 ", "198.51.100.7", "2001:db8::8", "198.51.100.0/24", "198.51.100.1-5",
                    "printer.lan", "-sL", "", "198.51.100.9", "198.51.100.8",
                ]) == probeBase + ["198.51.100.7", "198.51.100.8", "198.51.100.9"])

        let ipv6 = try self.scanner("-sn", targets: ["2001:db8::/120"])
        #expect(
            ipv6.probeCommand(
                address: "2001:db8::7",
                witnesses: ["2001:DB8:0::7", "2001:db8::8", "198.51.100.8", "2001:db8:0:0::8", "2001:db8::9"])
                == probeBase + ["-6", "2001:db8::7", "2001:db8::8", "2001:db8::9"])
        #expect(ipv6.wakeCommand(address: "2001:db8::7") == wakeBase + ["-6", "2001:db8::7"])
    }

    /// This machine's own address always answers, so it would witness a network that is down.
    @Test func ownAddressesAreNoWitnesses() throws {
        guard let own = OwnAddresses.current().ipv4.first else { return }
        let scanner = try scanner("-sn")
        #expect(scanner.probeCommand(address: "198.51.100.7", witnesses: [own, "198.51.100.8"]) == probeBase + ["198.51.100.7", "198.51.100.8"])
    }

    @Test func userMinus6IsNotRepeated() throws {
        let scanner = try scanner("-6 -sn -PR", targets: ["2001:db8::/120"])
        #expect(scanner.probeCommand(address: "2001:db8::7", witnesses: []) == probeBase + ["-6", "-PR", "2001:db8::7"])
        #expect(scanner.wakeCommand(address: "2001:db8::7") == wakeBase + ["-6", "2001:db8::7"])
    }

    @Test func probeRefusesAnythingButOneAddress() async throws {
        let scanner = try scanner("-sn")
        for bad in ["-sL", "198.51.100.0/24", "host.lan", "", "198.51.100.7,198.51.100.8"] {
            let report = await scanner.probe(address: bad, witnesses: ["198.51.100.8"])
            guard case .failed(let failure) = report else {
                Issue.record("\(bad): \(report)")
                continue
            }
            #expect(failure.kind == .invalidRequest, "\(bad)")
        }
    }

    @Test func negativeWakeIntervalIsRefused() {
        let configuration = ScannerConfiguration(targets: ["198.51.100.0/24"], wakeInterval: .seconds(-1))
        #expect(throws: NmapScannerError.self) { try configuration.validate() }
        #expect((try? ScannerConfiguration(targets: ["198.51.100.0/24"], wakeInterval: .zero).validate()) != nil)
    }
}
