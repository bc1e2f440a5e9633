/// What to scan and how. Plain values; `validate()` checks them without touching the system.
public struct ScannerConfiguration: Sendable, Equatable {
    /// nmap targets: IPs, CIDR blocks (`192.168.1.0/24`), octet ranges (`192.168.1.1-50`) or
    /// hostnames, all IPv4 or all IPv6. Required.
    public var targets: [String]
    /// Addresses or ranges nmap must not touch; empty strings are ignored. Default `[]`.
    public var exclude: [String]
    /// Extra nmap options, split like a shell splits words (quotes honoured) but never run through one.
    /// Default `-F --host-timeout 5s`, as in the Home Assistant docs.
    public var scanOptions: String
    /// The nmap program: a name looked up on PATH, or a path. Default `nmap`.
    public var nmapPath: String
    /// One nmap run is killed, with its whole process group, past this. Default 300 s.
    public var timeout: Duration
    /// Exclude this machine's own non-loopback addresses (it has no MAC to track, and port-scanning
    /// it annoys its intrusion detection). Default `true`.
    public var excludeOwnAddresses: Bool
    /// The kernel neighbour table read after a scan for MACs nmap could not see. Default `/proc/net/arp`.
    public var neighbourTablePath: String
    /// nmap's vendor table, for MACs that came without a vendor.
    /// Default `/usr/share/nmap/nmap-mac-prefixes`.
    public var macPrefixesPath: String
    /// Before a re-probe, a device is sent one wake-up (UDP to port 5353, which dozing phones answer)
    /// at most once per this interval, however often it is re-probed; zero wakes before every re-probe.
    /// Default 60 s.
    public var wakeInterval: Duration

    public static let defaultScanOptions = "-F --host-timeout 5s"

    public init(
        targets: [String],
        exclude: [String] = [],
        scanOptions: String = ScannerConfiguration.defaultScanOptions,
        nmapPath: String = "nmap",
        timeout: Duration = .seconds(300),
        excludeOwnAddresses: Bool = true,
        neighbourTablePath: String = "/proc/net/arp",
        macPrefixesPath: String = "/usr/share/nmap/nmap-mac-prefixes",
        wakeInterval: Duration = .seconds(60)
    ) {
        self.targets = targets
        self.exclude = exclude
        self.scanOptions = scanOptions
        self.nmapPath = nmapPath
        self.timeout = timeout
        self.excludeOwnAddresses = excludeOwnAddresses
        self.neighbourTablePath = neighbourTablePath
        self.macPrefixesPath = macPrefixesPath
        self.wakeInterval = wakeInterval
    }
}
