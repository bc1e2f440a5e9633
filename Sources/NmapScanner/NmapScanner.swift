import Foundation
import Logging

/// Runs nmap over the configured targets and returns the hosts that are up, with MACs and vendors.
///
/// It knows nothing of MQTT or presence. It never runs a shell: the argv is built as an array.
///
/// Where MACs come from:
/// - as root, nmap finds hosts on the local segment by ARP and reports their MACs itself;
/// - without root but with CAP_NET_RAW (file capabilities on nmap, or ambient capabilities such as
///   systemd's `AmbientCapabilities=CAP_NET_RAW`), add `--privileged` to the scan options: nmap then
///   uses raw sockets and reports MACs as it does for root (nmap ignores capabilities without it);
/// - without either, nmap finds hosts by TCP connect and reports no MACs; the kernel's neighbour table
///   (`/proc/net/arp`), read right after the scan, then holds the MACs of the hosts that answered on
///   the local segment, and fills them in.
/// Hosts behind a router never have a MAC here. Both unprivileged paths are exercised by LANScanTests.
public struct NmapScanner: Sendable {
    public let configuration: ScannerConfiguration
    let logger: Logger
    let validated: ScannerConfiguration.Validated
    let vendors: VendorTableCache

    /// Validates the configuration; a scanner that exists can always build its argv.
    public init(configuration: ScannerConfiguration, logger: Logger) throws(NmapScannerError) {
        self.configuration = configuration
        self.logger = logger
        self.validated = try configuration.validated()
        self.vendors = VendorTableCache(path: configuration.macPrefixesPath)
    }

    /// The exact argv of a scan: `nmap -oX - [-6] <targets...> <scan options...> [--exclude a,b,...]`.
    ///
    /// `alsoExclude` adds addresses for this run only (devices seen within `home_interval`). The
    /// exclude list merges configured excludes, this machine's own addresses and `alsoExclude`, without
    /// empty or duplicate entries; with nothing to exclude there is no `--exclude` at all.
    public func command(alsoExclude: [String] = []) -> [String] {
        var argv = [configuration.nmapPath, "-oX", "-"]
        if validated.family == .ipv6 && !validated.userGaveIPv6Flag { argv.append("-6") }
        argv += configuration.targets.map { $0.trimmingWhitespace() }
        argv += validated.scanOptionWords
        let excludes = excludeList(alsoExclude: alsoExclude)
        if !excludes.isEmpty {
            argv += ["--exclude", excludes.joined(separator: ",")]
        }
        return argv
    }

    /// Runs one scan. Never throws: a failure is a `.failed` report that says why.
    public func scan(alsoExclude: [String] = []) async -> ScanReport {
        await execute(command(alsoExclude: alsoExclude), what: "scan")
    }

    /// Asks once more whether one address is up: `nmap -oX - -sn -n ... ADDRESS`, keeping only the
    /// options that change how packets are sent, and enriched from the neighbour table like a scan.
    /// Used before declaring a device gone.
    public func probe(address: String) async -> ScanReport {
        guard NmapTarget.isSingleAddress(address) else {
            return .failed(
                ScanFailure(
                    kind: .invalidRequest,
                    message: "cannot re-probe '\(address)': expected a single IPv4 or IPv6 address"))
        }
        return await execute(probeCommand(address: address), what: "probe")
    }

    /// The argv of `probe(address:)`.
    public func probeCommand(address: String) -> [String] {
        var argv = [configuration.nmapPath, "-oX", "-", "-sn", "-n"]
        let words = validated.scanOptionWords
        var index = 0
        var carriesIPv6 = false
        while index < words.count {
            let word = words[index]
            switch word {
            case "--privileged", "--unprivileged", "--send-eth", "--send-ip":
                argv.append(word)
            case "-6":
                argv.append(word)
                carriesIPv6 = true
            case "-e":
                if index + 1 < words.count {
                    argv += [word, words[index + 1]]
                    index += 1
                }
            default:
                if word.hasPrefix("-e") && word.count > 2 && !word.hasPrefix("--") { argv.append(word) }
            }
            index += 1
        }
        if address.contains(":") && !carriesIPv6 { argv.append("-6") }
        argv.append(address)
        return argv
    }

    func excludeList(alsoExclude: [String]) -> [String] {
        var list: [String] = []
        func add(_ entry: String) {
            let entry = entry.trimmingWhitespace()
            if !entry.isEmpty && !list.contains(entry) { list.append(entry) }
        }
        configuration.exclude.forEach(add)
        if configuration.excludeOwnAddresses {
            let own = OwnAddresses.current()
            switch validated.family {
            case .ipv4, .either: own.ipv4.forEach(add)
            case .ipv6: own.ipv6.forEach(add)
            }
        }
        // Addresses from our own scans; still, nothing that nmap could misread gets through.
        for entry in alsoExclude {
            let entry = entry.trimmingWhitespace()
            guard !entry.contains(","), let family = NmapTarget.family(of: entry) else { continue }
            if family == .either || validated.family == .either || family == validated.family { add(entry) }
        }
        return list
    }
}
