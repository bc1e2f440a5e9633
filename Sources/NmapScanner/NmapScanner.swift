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
    /// Shared by every copy of this scanner, so a device is woken at most once per `wakeInterval`.
    let wakeLimiter: WakeLimiter

    /// Validates the configuration; a scanner that exists can always build its argv.
    public init(configuration: ScannerConfiguration, logger: Logger) throws(NmapScannerError) {
        self.configuration = configuration
        self.logger = logger
        self.validated = try configuration.validated()
        self.vendors = VendorTableCache(path: configuration.macPrefixesPath)
        self.wakeLimiter = WakeLimiter(interval: configuration.wakeInterval)
    }

    /// The exact argv of a scan: `nmap -oX - [-6] <targets...> <scan options...> [--exclude a,b,...]`.
    ///
    /// `alsoExclude` adds addresses for this run only (devices seen within `home_interval`). The
    /// exclude list merges configured excludes, this machine's own addresses and `alsoExclude`, without
    /// empty or duplicate entries; with nothing to exclude there is no `--exclude` at all.
    public func command(alsoExclude: [String] = []) -> [String] {
        command(hosts: configuration.targets, alsoExclude: alsoExclude)
    }

    /// The argv of a scan of `hosts` in place of the configured targets: one chunk of them
    /// (``ScanChunks``), so it keeps their address family and everything else of the configuration.
    public func command(hosts: [String], alsoExclude: [String] = []) -> [String] {
        var argv = [configuration.nmapPath, "-oX", "-"]
        if validated.family == .ipv6 && !validated.userGaveIPv6Flag { argv.append("-6") }
        argv += hosts.map { $0.trimmingWhitespace() }
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

    /// Runs one scan of `hosts`, a chunk of the configured targets (``ScanChunks``). Never throws.
    public func scan(hosts: [String], alsoExclude: [String] = []) async -> ScanReport {
        await execute(command(hosts: hosts, alsoExclude: alsoExclude), what: "scan")
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

extension NmapScanner {
    /// The vendor nmap's `nmap-mac-prefixes` names for `mac` (any notation), as scans report it; nil when
    /// it has none or the file cannot be read. For hosts heard between scans.
    public func vendor(ofMAC mac: String) -> String? {
        vendors.get()?.vendor(of: mac)
    }
}
