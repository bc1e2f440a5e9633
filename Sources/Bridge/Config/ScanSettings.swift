/// What to scan and how often.
public struct ScanSettings: Sendable, Equatable {
    /// nmap targets (CIDR, `a.b.c.d-e`, IP, host name), one per element. Required.
    public var hosts: [String]
    /// Targets passed to nmap's `--exclude`; the bridge's own addresses are added at run time. Default: `[]`.
    public var exclude: [String]
    /// MACs (lower-case colon form) never to track. Default: `[]`.
    public var excludeMACs: [String]
    /// Extra nmap options, split like a shell would (never run through one). Default: `-F --host-timeout 5s`.
    public var scanOptions: String
    /// Time between scan starts; a running scan makes the next one wait. Default: 12 s.
    public var interval: Duration
    /// Devices seen this recently are left out of the scan to spare their batteries; zero = off. Default: 0.
    public var homeInterval: Duration
    /// Grace after the last sighting before `not_home`. Default: 180 s.
    public var considerHome: Duration
    /// One nmap run is killed (whole process group) past this. Default: 300 s.
    public var timeout: Duration
    /// The nmap executable: a command looked up in PATH, or a path. Default: `nmap`.
    public var nmapPath: String
    /// Hear devices between scans (ARP and DHCP frames, or the kernel's neighbour table without
    /// CAP_NET_RAW): arrivals within a second. Departures stay the scans' job. Default: true.
    public var listen: Bool

    public static let defaultScanOptions = "-F --host-timeout 5s"

    public init(
        hosts: [String],
        exclude: [String] = [],
        excludeMACs: [String] = [],
        scanOptions: String = ScanSettings.defaultScanOptions,
        interval: Duration = .seconds(12),
        homeInterval: Duration = .zero,
        considerHome: Duration = .seconds(180),
        timeout: Duration = .seconds(300),
        nmapPath: String = "nmap",
        listen: Bool = true
    ) {
        self.hosts = hosts
        self.exclude = exclude
        self.excludeMACs = excludeMACs
        self.scanOptions = scanOptions
        self.interval = interval
        self.homeInterval = homeInterval
        self.considerHome = considerHome
        self.timeout = timeout
        self.nmapPath = nmapPath
        self.listen = listen
    }
}
