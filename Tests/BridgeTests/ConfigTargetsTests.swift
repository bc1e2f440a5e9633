import Foundation
import Testing

@testable import Bridge

/// `scan.targets`, `scan.parallel` and `scan.chunk_prefix`: good input (bad input is in `badConfigs`).
@Suite("Configuration: scan targets")
struct ConfigTargetsTests {
    private func parse(_ yaml: String) throws -> BridgeConfiguration {
        try BridgeConfiguration.parse(yaml: yaml, configDirectory: "/etc/nmap2mqtt", environment: [:])
    }

    static let twoTargets = """
        scan:
          exclude: 192.0.2.1
          consider_home: 300
          interval_seconds: 20
          scan_options: "-sn -n"
          parallel: 4
          chunk_prefix: 20
          targets:
            - name: phones
              hosts: 192.0.2.0/24
              interval_seconds: 10
            - name: iot_vlan-2
              hosts: [198.18.0.0/16, "198.19.0.1-20"]
              exclude: []
              scan_options: "-sn"
              home_interval: 1
              consider_home: 10m
              timeout: 60
        """

    @Test("a target takes every key it leaves out from scan:")
    func inheritance() throws {
        let scan = try parse(Self.twoTargets).scan
        #expect(scan.hosts.isEmpty && scan.parallel == 4 && scan.chunkPrefix == 20)
        #expect(
            scan.effectiveTargets == [
                ScanTarget(
                    name: "phones", hosts: ["192.0.2.0/24"], exclude: ["192.0.2.1"], scanOptions: "-sn -n", interval: .seconds(10),
                    homeInterval: .zero, considerHome: .seconds(300), timeout: .seconds(300)),
                ScanTarget(
                    name: "iot_vlan-2", hosts: ["198.18.0.0/16", "198.19.0.1-20"], exclude: [], scanOptions: "-sn", interval: .seconds(20),
                    homeInterval: .seconds(60), considerHome: .seconds(600), timeout: .seconds(60)),
            ])
        #expect(scan.allHosts == ["192.0.2.0/24", "198.18.0.0/16", "198.19.0.1-20"])
    }

    @Test("scan.hosts alone is one target named default, with the scan: values; parallel 2 and chunk_prefix 24")
    func singleHosts() throws {
        let scan = try parse("scan: {hosts: 192.0.2.0/24, interval_seconds: 5, consider_home: 60}").scan
        #expect(scan.targets.isEmpty && scan.parallel == 2 && scan.chunkPrefix == 24)
        #expect(
            scan.effectiveTargets == [
                ScanTarget(
                    name: "default", hosts: ["192.0.2.0/24"], exclude: [], scanOptions: ScanSettings.defaultScanOptions, interval: .seconds(5),
                    homeInterval: .zero, considerHome: .seconds(60), timeout: .seconds(300))
            ])
    }

    @Test("parallel and chunk_prefix accept their whole ranges")
    func ranges() throws {
        for (parallel, prefix) in [(1, 16), (16, 30), (3, 22)] {
            let scan = try parse("scan: {hosts: 192.0.2.0/24, parallel: \(parallel), chunk_prefix: \"\(prefix)\"}").scan
            #expect(scan.parallel == parallel && scan.chunkPrefix == prefix)
        }
    }

    @Test("check-config shows each target's own keys, and inherited values as comments; the text parses back the same")
    func effectiveSettings() throws {
        let configuration = try parse(Self.twoTargets)
        let text = configuration.effectiveSettings
        #expect(!text.contains("  hosts: []"), "no scan.hosts beside targets")
        #expect(text.contains("    - name: phones\n      hosts: [192.0.2.0/24]\n      # exclude: [192.0.2.1]  (from scan:)"))
        #expect(text.contains("      interval_seconds: 10\n"))
        #expect(text.contains("      hosts: [198.18.0.0/16, 198.19.0.1-20]  # scanned as 17 chunks, one nmap run each\n"), "a /16 at chunk_prefix 20")
        #expect(text.contains("  parallel: 4\n  chunk_prefix: 20\n"))
        let again = try parse(text)
        #expect(again.scan == configuration.scan, "\(text)")
        #expect(try parse("scan: {hosts: 192.0.2.0/24}").effectiveSettings.contains("# targets: none; hosts is the one target, named default"))
        let wide = try parse("scan: {hosts: 198.18.0.0/16}")
        #expect(wide.effectiveSettings.contains("  hosts: [198.18.0.0/16]  # scanned as 256 chunks, one nmap run each\n"))
        #expect(try parse(wide.effectiveSettings) == wide)
    }

    @Test(
        "the scanner judges each target; the error names the target's own key, else the scan: key it inherited",
        arguments: [
            (
                "scan:\n  targets:\n    - {name: lan, hosts: 192.0.2.0/24}\n    - {name: iot, hosts: \"198.18.0.0/24 -oN\"}\n",
                "scan.targets[1].hosts", "'-oN'"
            ),
            (
                "scan:\n  targets:\n    - {name: lan, hosts: 192.0.2.0/24, scan_options: \"-sn -oN out.txt\"}\n", "scan.targets[0].scan_options",
                "'-oN' is not allowed"
            ),
            (
                "scan:\n  scan_options: \"-sn -oN out.txt\"\n  targets:\n    - {name: lan, hosts: 192.0.2.0/24}\n", "scan.scan_options",
                "'-oN' is not allowed"
            ),
            (
                "scan:\n  targets:\n    - {name: lan, hosts: 192.0.2.0/24, exclude: \"2001:db8::1\"}\n", "scan.targets[0].exclude",
                "'2001:db8::1' is IPv6"
            ),
            ("scan:\n  exclude: \"2001:db8::1\"\n  targets:\n    - {name: lan, hosts: 192.0.2.0/24}\n", "scan.exclude", "'2001:db8::1' is IPv6"),
        ])
    func scannerErrors(_ yaml: String, _ keyPath: String, _ mention: String) throws {
        let error = #expect(throws: ConfigError.self) { try parse(yaml) }
        #expect(error?.keyPath == keyPath, "\(String(describing: error))")
        #expect(error?.message.contains(mention) == true, "\(String(describing: error))")
        #expect(error?.line != nil)
    }
}
