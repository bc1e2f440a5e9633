import Foundation

/// A complete nmap run: the hosts that were up, already enriched with MACs and vendors.
public struct ScanResult: Sendable, Equatable {
    /// When nmap was started.
    public var startedAt: Date
    /// When nmap's output had been read completely; presence counts a sighting from here.
    public var finishedAt: Date
    /// The exact argv that ran (argv[0] is the configured nmap path).
    public var argv: [String]
    /// Up hosts only, in nmap's order.
    public var hosts: [ScanHost]
    /// nmap's own counts and elapsed time from `<runstats>`.
    public var stats: RunStats
    /// Non-empty lines nmap wrote to stderr; nmap warns there without failing (e.g. an unresolvable name).
    public var warnings: [String]

    public init(
        startedAt: Date, finishedAt: Date, argv: [String], hosts: [ScanHost], stats: RunStats,
        warnings: [String] = []
    ) {
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.argv = argv
        self.hosts = hosts
        self.stats = stats
        self.warnings = warnings
    }
}
