import Foundation

/// How one target's scans went, and what the engine keeps per target to decide about its devices: its
/// watched chain and the hosts that answered its last counted scan (the witnesses of its re-probes).
public struct PresenceTargetStatus: Sendable {
    /// Failed scans of this target since its last complete one.
    public internal(set) var consecutiveFailures = 0
    /// Complete scans of this target in a row in which nothing answered (an outage of its segment).
    public internal(set) var consecutiveOutages = 0
    /// The reason of this target's most recent failed scan (kept after later complete scans).
    public internal(set) var lastFailure: String?
    /// How this target's last scan was counted; nil before its first.
    public internal(set) var lastRound: ScanRoundResult?
    /// When this target's last counted scan finished (wall clock, for reports); nil until one has.
    public internal(set) var lastCompleteScan: Date?

    /// This target's `consider_home`, in seconds.
    let considerHome: TimeInterval
    /// Its `home_interval`, in seconds; zero = off.
    let homeInterval: TimeInterval
    /// The longest pause between two of its counted scans that still counts as watching.
    let longestWatchedGap: TimeInterval
    /// The end of its last counted scan while watching goes on; nil before the first and after a scan
    /// that did not count.
    var watchedUntil: TimeInterval?
    /// Hosts that answered its last counted scan (untracked ones too), with how many of its counted scans
    /// in a row they answered.
    var responders: [String: Int] = [:]

    init(_ target: PresenceTarget, watchSlack: Duration) {
        considerHome = target.considerHome.timeInterval
        homeInterval = max(0, target.homeInterval.timeInterval)
        longestWatchedGap = max(0, target.scanInterval.timeInterval) + max(0, watchSlack.timeInterval)
    }
}
