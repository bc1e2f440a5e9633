/// One scan target with every value settled: its own keys from `scan.targets`, the rest inherited from
/// `scan:`. A configuration with `scan.hosts` has one, named `default`. Each target has its own schedule
/// and its own nmap configuration; all of them feed the one presence engine.
public struct ScanTarget: Sendable, Equatable {
    /// `[a-z0-9_-]`, unique; names the target in `bridge/info` and the log.
    public var name: String
    /// nmap targets (CIDR, `a.b.c.d-e`, IP, host name), one per element.
    public var hosts: [String]
    /// Targets passed to nmap's `--exclude`.
    public var exclude: [String]
    /// Extra nmap options, split like a shell would.
    public var scanOptions: String
    /// Time between this target's scan starts.
    public var interval: Duration
    /// Its devices seen this recently are left out of its scans; zero = off.
    public var homeInterval: Duration
    /// Grace after the last sighting before one of its devices is `not_home` (unless the device has its own).
    public var considerHome: Duration
    /// One nmap run of this target (one chunk of it) is killed past this.
    public var timeout: Duration

    /// The name of the one target a configuration with `scan.hosts` has.
    public static let defaultName = "default"
}
