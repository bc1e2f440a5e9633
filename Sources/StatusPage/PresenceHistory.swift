#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A bounded log of presence changes and of when the bridge was watching: what the 24-hour timelines are
/// drawn from, and what survives a restart (``HistoryFile``).
///
/// It keeps ``Limits/retention`` (7 days) and at most ``Limits/maximumEntries`` entries (20,000); the oldest
/// go first. What they said is folded into a ``Baseline`` (who was home, whether the bridge was watching, as
/// of the oldest kept moment), so a device home for weeks still shows home, and the log stays bounded: the
/// baseline holds only the devices that were home then.
///
/// The log is in time order. An entry dated before the newest one (the wall clock stepped back) is recorded
/// at the newest entry's time instead, so the order holds and nothing is lost.
///
/// How the daemon feeds it:
/// - ``recordStart(at:states:)`` when the scan loop starts, with every known device's state (restored from
///   the state file), and ``recordStop(at:)`` on a clean shutdown. An outage the daemon does not want to
///   count as watched time can be recorded as a stop and a start too.
/// - ``record(_:_:at:)`` for each arrival and departure (a repeat of the current state is ignored).
/// - ``markAlive(at:)`` after each scan: after a crash, the next start closes the watched time there.
/// - ``forget(_:)`` when a device is forgotten.
public struct PresenceHistory: Sendable, Equatable {
    /// What bounds the log.
    public struct Limits: Sendable, Equatable {
        /// How far back entries are kept, in seconds. Default: 7 days.
        public var retention: Double
        /// The most entries kept; past it the oldest are folded into the baseline. Default: 20,000.
        public var maximumEntries: Int

        public init(retention: Double = 7 * 24 * 3600, maximumEntries: Int = 20_000) {
            self.retention = retention
            self.maximumEntries = max(1, maximumEntries)
        }
    }

    /// One moment of the log.
    public struct Entry: Sendable, Equatable {
        public var at: Date
        public var event: Event

        public init(at: Date, event: Event) {
            self.at = at
            self.event = event
        }
    }

    /// What happened at that moment.
    public enum Event: Sendable, Equatable {
        /// A device was decided home or not home.
        case change(id: String, state: DeviceStatus.State)
        /// The bridge started watching (the scan loop started).
        case start
        /// The bridge stopped watching (a clean shutdown, or the end of watched time after a crash).
        case stop
    }

    /// What the dropped entries added up to, as of ``at``.
    public struct Baseline: Sendable, Equatable {
        /// The moment the baseline describes: the time of the newest dropped entry, or the retention cutoff.
        public var at: Date
        /// Whether the bridge was watching at ``at``.
        public var watching: Bool
        /// The devices that were home at ``at``; every other device was away.
        public var home: Set<String>

        public init(at: Date, watching: Bool, home: Set<String>) {
            self.at = at
            self.watching = watching
            self.home = home
        }
    }

    public private(set) var limits: Limits
    /// The oldest kept moment's state; nil while nothing has been dropped.
    public private(set) var baseline: Baseline?
    /// The log, oldest first.
    public private(set) var entries: [Entry]
    /// The last moment the bridge was known to be running (``markAlive(at:)``).
    public private(set) var lastAlive: Date?

    public init(limits: Limits = Limits()) {
        self.init(limits: limits, baseline: nil, entries: [], lastAlive: nil)
    }

    /// A history as stored (``HistoryFile``). Entries are put in time order and trimmed to `limits`.
    public init(limits: Limits, baseline: Baseline?, entries: [Entry], lastAlive: Date?) {
        self.limits = limits
        self.baseline = baseline
        self.entries = entries.sorted { $0.at < $1.at }
        self.lastAlive = lastAlive
        if let newest = self.entries.last { trim(now: max(newest.at, lastAlive ?? newest.at)) }
    }

    // MARK: - Recording

    /// Records a device's new state. A repeat of its current state is ignored.
    public mutating func record(_ id: String, _ state: DeviceStatus.State, at time: Date) {
        guard currentState(of: id) != state else { return }
        append(.change(id: id, state: state), at: time)
    }

    /// Records that the bridge started watching, then `states` (each device's current state; repeats are
    /// ignored). When the log says the bridge was still watching (it crashed), that watched time is first
    /// closed at ``lastAlive`` (or at the newest entry).
    public mutating func recordStart(at time: Date, states: [String: DeviceStatus.State] = [:]) {
        if isWatching {
            let closedAt = max(lastAlive ?? .distantPast, entries.last?.at ?? baseline?.at ?? time)
            append(.stop, at: min(closedAt, time))
        }
        append(.start, at: time)
        for id in states.keys.sorted() {
            if let state = states[id] { record(id, state, at: time) }
        }
        markAlive(at: time)
    }

    /// Records that the bridge stopped watching (a clean shutdown). Ignored when it was not watching.
    public mutating func recordStop(at time: Date) {
        guard isWatching else { return }
        append(.stop, at: time)
        markAlive(at: time)
    }

    /// Notes that the bridge is running at `time` (after each scan); also trims by age.
    public mutating func markAlive(at time: Date) {
        lastAlive = max(lastAlive ?? time, time)
        trim(now: time)
    }

    /// Removes every trace of a device (`nmap2mqtt forget`).
    public mutating func forget(_ id: String) {
        entries.removeAll {
            if case .change(let changed, _) = $0.event { return changed == id }
            return false
        }
        baseline?.home.remove(id)
    }

    // MARK: - Reading

    /// Whether the log ends with the bridge watching.
    public var isWatching: Bool {
        for entry in entries.reversed() {
            switch entry.event {
            case .start: return true
            case .stop: return false
            case .change: continue
            }
        }
        return baseline?.watching ?? false
    }

    /// The device's state at the end of the log; nil when the log does not know it.
    public func currentState(of id: String) -> DeviceStatus.State? {
        for entry in entries.reversed() {
            if case .change(let changed, let state) = entry.event, changed == id { return state }
        }
        if let baseline { return baseline.home.contains(id) ? .home : nil }
        return nil
    }

    // MARK: - Bounds

    private mutating func append(_ event: Event, at time: Date) {
        let at = max(time, entries.last?.at ?? baseline?.at ?? time)
        entries.append(Entry(at: at, event: event))
        trim(now: at)
    }

    /// Drops entries older than the retention and past the cap, folding them into the baseline.
    mutating func trim(now: Date) {
        let cutoff = now.addingTimeInterval(-limits.retention)
        var dropCount = entries.prefix { $0.at < cutoff }.count
        dropCount = max(dropCount, entries.count - limits.maximumEntries)
        if dropCount > 0 {
            fold(entries[..<dropCount])
            entries.removeFirst(dropCount)
        }
        if let at = baseline?.at, at < cutoff { baseline?.at = cutoff }
    }

    private mutating func fold(_ dropped: ArraySlice<Entry>) {
        guard let last = dropped.last else { return }
        var folded = baseline ?? Baseline(at: last.at, watching: false, home: [])
        for entry in dropped {
            switch entry.event {
            case .start: folded.watching = true
            case .stop: folded.watching = false
            case .change(let id, .home): folded.home.insert(id)
            case .change(let id, .notHome): folded.home.remove(id)
            }
        }
        folded.at = last.at
        baseline = folded
    }
}
