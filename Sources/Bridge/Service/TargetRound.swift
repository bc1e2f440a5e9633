import Foundation
import NmapScanner
import Presence

/// The chunks of one target's round gathered into the one scan the engine takes in: the union of their
/// hosts, started when the first chunk started. A failed chunk fails the whole round, so a round that
/// did not look everywhere never counts a device as missed.
struct TargetRound: Sendable {
    let started: Moment
    /// The `home_interval` exclusions of the round, fixed when it started.
    let exclusions: [String]
    private var hosts: [ScanHost] = []
    private var stats = RunStats()
    private var argv: [String] = []
    private var warnings: [String] = []
    private var failure: ScanFailure?
    private var startedAt: Date?
    private var finishedAt: Date?

    init(started: Moment, exclusions: [String]) {
        self.started = started
        self.exclusions = exclusions
    }

    mutating func add(_ report: ScanReport) {
        switch report {
        case .complete(let result):
            hosts += result.hosts
            stats.up += result.stats.up
            stats.down += result.stats.down
            stats.total += result.stats.total
            stats.elapsed += result.stats.elapsed
            argv = argv.isEmpty ? result.argv : argv
            warnings += result.warnings
            startedAt = min(startedAt ?? result.startedAt, result.startedAt)
            finishedAt = max(finishedAt ?? result.finishedAt, result.finishedAt)
        case .failed(let reason):
            // A cancelled chunk (the bridge stopping) wins: nothing failed then.
            if failure == nil || reason.kind == .cancelled { failure = reason }
        }
    }

    /// The round as one scan: failed when any chunk failed, else every chunk's hosts.
    var report: ScanReport {
        if let failure { return .failed(failure) }
        return .complete(
            ScanResult(
                startedAt: startedAt ?? started.wall, finishedAt: finishedAt ?? started.wall, argv: argv, hosts: hosts, stats: stats,
                warnings: warnings))
    }
}
