import ArgumentParser
import Bridge
import Foundation
import Logging
import NmapScanner

/// One scan, no MQTT: what nmap2mqtt would see, as a table or as JSON.
struct ScanCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scan",
        abstract: "Run one scan (or read a saved nmap -oX file) and print the hosts that are up.",
        discussion: """
            Without root, nmap sees no MACs; they are then taken from the kernel neighbour table \
            (/proc/net/arp) right after the scan. With CAP_NET_RAW, add --privileged to the scan \
            options to let nmap find MACs itself.
            """
    )

    @Option(name: .long, parsing: .upToNextOption, help: "nmap targets: IPs, CIDR blocks, a.b.c.d-e ranges or hostnames.")
    var hosts: [String] = []

    // .unconditional: the value itself begins with '-' ("-sn").
    @Option(name: .long, parsing: .unconditional, help: "nmap options, split like a shell would (never run through one).")
    var scanOptions: String = ScannerConfiguration.defaultScanOptions

    @Option(name: .long, parsing: .upToNextOption, help: "Addresses or ranges to leave out.")
    var exclude: [String] = []

    @Flag(name: .long, help: "Also scan this machine's own addresses (excluded by default).")
    var includeOwnAddresses = false

    @Option(name: .long, help: "The nmap program.")
    var nmapPath: String = "nmap"

    @Option(name: .long, help: "Seconds after which nmap is killed.")
    var timeout: Double = 300

    @Option(name: .long, help: "Kernel neighbour table to read MACs from.")
    var neighbourTable: String = "/proc/net/arp"

    @Option(
        name: .long,
        help: "Scan what this configuration file's scan: section says (hosts or every target, exclude, scan_options, nmap_path, timeout).")
    var config: String?

    @Option(name: .long, help: "Parse this saved nmap -oX file instead of running nmap.")
    var xml: String?

    @Flag(name: .long, help: "Print a JSON array of {ip, mac, vendor, host_name, reason, randomized_mac}.")
    var json = false

    func validate() throws {
        let sources = [!hosts.isEmpty, xml != nil, config != nil].filter { $0 }.count
        if sources == 0 {
            throw ValidationError("give --hosts to scan, --config FILE to scan what it configures, or --xml FILE to read a saved scan")
        }
        if sources > 1 { throw ValidationError("--hosts, --config and --xml exclude each other; give one") }
        if !(timeout > 0) { throw ValidationError("--timeout must be a positive number of seconds, not \(timeout)") }
    }

    func run() async throws {
        var logger = Logger(label: "nmap2mqtt.scan")
        // The failure reaches stderr once, below; the library's own info lines would repeat it.
        logger.logLevel = .warning
        let report: ScanReport
        if let xml {
            guard let saved = NmapScanner.report(fromSavedXMLAt: xml) else {
                throw ValidationError("cannot read the XML file '\(xml)'")
            }
            report = saved
        } else if let config {
            let settings = try ConfigOption(config: config).load()
            var scanners: [NmapScanner] = []
            for configuration in settings.scannerConfigurations {
                do {
                    scanners.append(try NmapScanner(configuration: configuration, logger: logger))
                } catch {
                    throw CommandFailure("\(config): \(error)", exitCode: CommandFailure.invalidConfiguration)
                }
            }
            report = await Self.scan(scanners)
        } else {
            let configuration = ScannerConfiguration(
                targets: hosts.flatMap { $0.split(whereSeparator: \.isWhitespace).map(String.init) },
                exclude: exclude,
                scanOptions: scanOptions,
                nmapPath: nmapPath,
                timeout: .milliseconds(Int64(timeout * 1000)),
                excludeOwnAddresses: !includeOwnAddresses,
                neighbourTablePath: neighbourTable
            )
            let scanner: NmapScanner
            do {
                scanner = try NmapScanner(configuration: configuration, logger: logger)
            } catch {
                throw ValidationError(error.message)
            }
            report = await scanner.scan()
        }

        switch report {
        case .failed(let failure):
            FileHandle.standardError.write(Data("nmap2mqtt: scan failed: \(failure)\n".utf8))
            throw ExitCode(1)
        case .complete(let result):
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
                let data = try encoder.encode(result.hosts)
                print(String(decoding: data, as: UTF8.self))
            } else {
                print(HostTable.render(result))
            }
        }
    }

    /// Every target of the configuration, one after another, as one table: the first failure fails it.
    private static func scan(_ scanners: [NmapScanner]) async -> ScanReport {
        var merged: ScanResult?
        for scanner in scanners {
            switch await scanner.scan() {
            case .failed(let failure):
                return .failed(failure)
            case .complete(let result):
                guard var sum = merged else {
                    merged = result
                    continue
                }
                sum.hosts += result.hosts
                sum.finishedAt = result.finishedAt
                sum.stats.up += result.stats.up
                sum.stats.down += result.stats.down
                sum.stats.total += result.stats.total
                sum.warnings += result.warnings
                merged = sum
            }
        }
        return merged.map { .complete($0) } ?? .failed(ScanFailure(kind: .invalidRequest, message: "the configuration has no scan targets"))
    }
}
