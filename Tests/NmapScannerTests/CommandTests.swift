import Foundation
import Logging
import Testing

@testable import NmapScanner

/// The exact argv: the Home Assistant bug that turned an empty exclude list into `--exclude --reason`
/// (home-assistant/core#52482) cannot happen when argv is an array that these tests pin down.
@Suite struct CommandTests {
    let logger = Logger(label: "test")

    func scanner(_ configuration: ScannerConfiguration) throws -> NmapScanner {
        try NmapScanner(configuration: configuration, logger: logger)
    }

    @Test func defaultCommandMatchesHomeAssistantDocs() throws {
        let argv = try scanner(ScannerConfiguration(targets: ["198.51.100.0/24"], excludeOwnAddresses: false)).command()
        #expect(argv == ["nmap", "-oX", "-", "198.51.100.0/24", "-F", "--host-timeout", "5s"])
    }

    @Test("a chunk's scan names its hosts in place of the targets and keeps options and excludes")
    func chunkCommand() throws {
        let argv = try scanner(
            ScannerConfiguration(targets: ["198.18.0.0/16"], exclude: ["198.18.0.1"], scanOptions: "-sn", excludeOwnAddresses: false)
        ).command(hosts: ["198.18.7.0/24"], alsoExclude: ["198.18.7.9"])
        #expect(argv == ["nmap", "-oX", "-", "198.18.7.0/24", "-sn", "--exclude", "198.18.0.1,198.18.7.9"])
    }

    @Test func emptyExcludeListGivesNoExcludeOption() throws {
        for exclude in [[], [""], ["", "  "]] {
            let argv = try scanner(
                ScannerConfiguration(
                    targets: ["198.51.100.0/24"], exclude: exclude, scanOptions: "-sn --reason -v",
                    excludeOwnAddresses: false)
            ).command(alsoExclude: [""])
            #expect(argv == ["nmap", "-oX", "-", "198.51.100.0/24", "-sn", "--reason", "-v"])
            #expect(!argv.contains("--exclude"))
        }
    }

    @Test func excludesAreMergedIntoOneCommaList() throws {
        let argv = try scanner(
            ScannerConfiguration(
                targets: ["198.51.100.0/24"], exclude: ["198.51.100.1", "198.51.100.200-210"],
                excludeOwnAddresses: false)
        ).command(alsoExclude: ["198.51.100.50", "198.51.100.1", "", "--reason", "a,b"])
        #expect(
            argv == [
                "nmap", "-oX", "-", "198.51.100.0/24", "-F", "--host-timeout", "5s",
                "--exclude", "198.51.100.1,198.51.100.200-210,198.51.100.50",
            ])
    }

    @Test func quotedOptionsStayOneWord() throws {
        let argv = try scanner(
            ScannerConfiguration(
                targets: ["203.0.113.1"], scanOptions: #"-sn -e 'my "lab" if' -T4"#,
                nmapPath: "/usr/local/bin/nmap", excludeOwnAddresses: false)
        ).command()
        #expect(
            argv == [
                "/usr/local/bin/nmap", "-oX", "-", "203.0.113.1", "-sn", "-e", #"my "lab" if"#, "-T4",
            ])
    }

    @Test func severalTargetsInOrder() throws {
        let argv = try scanner(
            ScannerConfiguration(
                targets: ["198.51.100.0/24", " 203.0.113.2 ", "203.0.113.15", "printer.lan", "198.18.1-3.1-254"],
                scanOptions: "-sn", excludeOwnAddresses: false)
        ).command()
        #expect(argv == ["nmap", "-oX", "-", "198.51.100.0/24", "203.0.113.2", "203.0.113.15", "printer.lan", "198.18.1-3.1-254", "-sn"])
    }

    @Test func ipv6TargetsGetMinus6Once() throws {
        let added = try scanner(
            ScannerConfiguration(targets: ["2001:db8::/120", "2001:db8::1"], scanOptions: "-sn", excludeOwnAddresses: false)
        ).command(alsoExclude: ["2001:db8::5", "192.0.2.5"])
        #expect(added == ["nmap", "-oX", "-", "-6", "2001:db8::/120", "2001:db8::1", "-sn", "--exclude", "2001:db8::5"])

        let given = try scanner(
            ScannerConfiguration(targets: ["2001:db8::1"], scanOptions: "-6 -sn", excludeOwnAddresses: false)
        ).command()
        #expect(given == ["nmap", "-oX", "-", "2001:db8::1", "-6", "-sn"])
    }

    @Test func hostnamesWithUserMinus6AreIPv6() throws {
        let argv = try scanner(
            ScannerConfiguration(targets: ["router.lan"], scanOptions: "-6 -sn", excludeOwnAddresses: false)
        ).command()
        #expect(argv == ["nmap", "-oX", "-", "router.lan", "-6", "-sn"])
    }

    /// Compared with `hostname -I` (every address but loopback and link-local), an independent source.
    @Test func ownAddressesAreExcludedByDefault() throws {
        let argv = try scanner(ScannerConfiguration(targets: ["192.0.2.0/24"])).command()
        let own = OwnAddresses.current().ipv4
        if own.isEmpty {
            #expect(!argv.contains("--exclude"))
            return
        }
        let index = try #require(argv.firstIndex(of: "--exclude"))
        let listed = argv[index + 1].split(separator: ",").map(String.init)
        #expect(listed == own)

        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/hostname")
        process.arguments = ["-I"]
        let pipe = Pipe()
        process.standardOutput = pipe
        if (try? process.run()) != nil {
            let text = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            let fromHostname = text.split(whereSeparator: \.isWhitespace).map(String.init).filter { !$0.contains(":") }
            #expect(Set(fromHostname) == Set(listed))
        }

        let without = try scanner(ScannerConfiguration(targets: ["192.0.2.0/24"], excludeOwnAddresses: false)).command()
        #expect(!without.contains("--exclude"))
    }

    @Test func probeCarriesOnlyPacketOptions() throws {
        let scanner = try scanner(
            ScannerConfiguration(
                targets: ["198.51.100.0/24"], exclude: ["198.51.100.1"],
                scanOptions: "-F --privileged -e eth1 --send-eth -T4 --host-timeout 5s --unprivileged -eeth2 --send-ip",
                excludeOwnAddresses: false))
        #expect(
            scanner.probeCommand(address: "198.51.100.7") == [
                "nmap", "-oX", "-", "-sn", "-n", "--privileged", "-e", "eth1", "--send-eth", "--unprivileged", "-eeth2",
                "--send-ip", "198.51.100.7",
            ])
        #expect(
            scanner.probeCommand(address: "2001:db8::7") == [
                "nmap", "-oX", "-", "-sn", "-n", "--privileged", "-e", "eth1", "--send-eth", "--unprivileged", "-eeth2", "--send-ip", "-6",
                "2001:db8::7",
            ])
    }

    @Test func probeRefusesAnythingButOneAddress() async throws {
        let scanner = try scanner(ScannerConfiguration(targets: ["198.51.100.0/24"], excludeOwnAddresses: false))
        for bad in ["-sL", "198.51.100.0/24", "host.lan", ""] {
            let report = await scanner.probe(address: bad)
            #expect(report.failure?.kind == .invalidRequest, "\(bad)")
        }
    }
}
