import Foundation

/// What one nmap `-oX` document says, as far as presence cares: the up hosts and the run's counts.
public struct NmapRun: Sendable, Equatable {
    /// The command line nmap recorded (`<nmaprun args=...>`).
    public var args: String?
    /// nmap's version (`7.93`).
    public var version: String?
    /// When nmap started, from `<nmaprun start=...>`.
    public var startTime: Date?
    /// Hosts whose status was `up`, in document order. `<hosthint>` elements are not hosts.
    public var hosts: [ScanHost]
    /// `<host>` elements whose status was not up (listed only with `-v`).
    public var hostsNotUp: Int
    /// From `<runstats>`.
    public var stats: RunStats

    public init(
        args: String? = nil, version: String? = nil, startTime: Date? = nil, hosts: [ScanHost] = [],
        hostsNotUp: Int = 0, stats: RunStats = RunStats()
    ) {
        self.args = args
        self.version = version
        self.startTime = startTime
        self.hosts = hosts
        self.hostsNotUp = hostsNotUp
        self.stats = stats
    }
}
