import Foundation
import NetworkAddresses

/// The presence state machine: pure, no I/O, time only from the `Moment`s its callers pass in.
///
/// Rules (README, "How presence is decided"):
/// - Identity is the MAC. Hosts without one are ignored unless `trackWithoutMAC`, then keyed by IP and
///   flagged `keyedByIP`. `excludeMACs`, `devices[mac].track == false` and, with `trackNewDevices` off,
///   unlisted MACs are never tracked and never appear in changes (stored ones are dropped at init and
///   listed in `untracked`, so the caller can clear what the broker still holds for them).
/// - Seen up in a complete scan: `home` at once, `lastSeen` = the scan's end. A `not_home` device seen
///   again arrives; a `home` one only reports `updated` when its IP, host name or vendor changed (a missing
///   host name or vendor never erases a known one). An IP that moves to another MAC neither moves nor
///   departs the old device.
/// - A node may scan several targets (segments), each on its own schedule; every scan names its target.
///   Each device belongs to the target whose scan last saw it (a device restored from the state file or
///   heard between scans, to the target `targetOfAddress` names for its address, else the first). Only
///   scans of its own target count against it; its `consider_home` is its own setting, else its
///   target's. Each target keeps its own watched chain, witnesses, failures, outages and last round, so
///   a broken or silent segment changes nobody on another one.
/// - Only watched time counts against a device. A scan that counts ("ok") watched from the end of the
///   previous counted scan of its target when the two follow each other without a pause longer than
///   that target's `scanInterval + watchSlack`, else from its own start. Failed scans, and complete scans in which no host
///   answered although home devices were looked for ("outage": a switch or access point down, not an
///   empty house), watch nothing and break their target's chain. A device's missed time grows only by the
///   watched time of its target's counted scans that did not see it (and not while `home_interval` keeps
///   it out of the scans). A silent scan is an outage when it looked for a host that answered its target's
///   last scan in which anything did (before the first such scan: for any home device of the target);
///   when `home_interval` left all of those out, silence proves nothing and the scan counts.
///   So a stop of the bridge, a hung nmap and a step of the wall clock count against nobody: all durations
///   are monotonic (`Moment.elapsed`); wall time only labels.
/// - A departure needs evidence: at least one counted scan that missed the device, missed time (plus the
///   time since the last counted scan, while the next is still within its interval) of at least its
///   `consider_home`, and a re-probe of its last IP that got no answer while a witness (another host from
///   its target's last counted scan) answered. An answer keeps it home; a failed or unwitnessed probe changes
///   nothing and the device waits for the next counted scan. A re-probe may start `reprobeLead` early; a
///   silent one then departs the device when its grace is over, unless it is seen first.
/// - A household still empties out: its router, TV or any other host in `scan.hosts` that stays answers,
///   so the scans count and every phone departs. If nothing but the leaving devices is scanned, the last
///   one stays `home` until something answers again (the README says to add the router to `scan.hosts`).
///   With several targets this holds per target: each needs a host of its own that stays.
/// - Worst case between leaving and `not_home` on a working network: `home_interval + consider_home` plus
///   one interval and the re-probe.
/// - Devices the user deleted are tracked like any other (so `forget` and the table stay right), but their
///   changes are dropped: the caller never has to filter them.
///
/// The caller's loop: `next(at:)` says what to publish, what to re-probe (for all targets), what a scan
/// of each target starting now leaves out and when to ask again; every scan goes to `apply` with its
/// target (a scan sent in parts is applied once, all parts together), every re-probe to `resolve`, and
/// every frame a passive source heard to `heard` (never a departure).
///
/// Every step is O(n) over dictionaries keyed by device id (times the few targets); no quadratic scans.
public struct PresenceEngine: Sendable {
    /// A device plus what the engine needs to decide about it.
    struct Record: Sendable {
        var device: Device
        /// This device's `consider_home`, in seconds: its own, else its target's.
        var considerHome: TimeInterval
        /// The target whose scans look for it (index into `targets`): the one whose scan last saw it.
        var target: Int
        /// When it was last seen in this run (`Moment.elapsed`); nil when restored and not seen since.
        var seenAt: TimeInterval?
        /// Watched seconds in which counted scans missed it since it was last seen.
        var missed: TimeInterval = 0
        /// Counted scans that missed it since it was last seen.
        var missedRounds = 0
        /// Its re-probe failed or went unwitnessed since the last counted scan: wait for the next one.
        var probeBlocked = false
        /// A re-probe found it silent before its grace was over: why it departs once the grace is.
        var silentProbe: String?
        /// The scan that last picked a sighting for this device, and which sighting (`applyComplete`).
        var pickedInScan = 0
        var pickedSighting = 0
    }

    var records: [String: Record] = [:]
    /// Counts complete scans, to tell which records `applyComplete` has already picked a sighting for.
    private var scanNumber = 0
    private let settings: [String: DeviceSettings]
    private let excludedMACs: Set<String>
    private let trackNewDevices: Bool
    private let trackWithoutMAC: Bool
    private let reprobeLead: TimeInterval
    private let targetOfAddress: @Sendable (String) -> Int?

    /// Each target's scans so far, by index (`PresenceConfiguration.targets`): its watched chain, its
    /// witnesses, its failures and outages.
    public private(set) var targets: [PresenceTargetStatus]
    /// The target of the most recent scan.
    public private(set) var lastTarget = 0

    /// Failed scans in a row of the target that has failed longest (one target: its failures since its
    /// last complete scan).
    public var consecutiveFailures: Int { targets.map(\.consecutiveFailures).max() ?? 0 }
    /// Complete scans in a row in which nothing answered, of the target silent longest (network outages).
    public var consecutiveOutages: Int { targets.map(\.consecutiveOutages).max() ?? 0 }
    /// The reason of the most recent failed scan of any target (kept after later complete scans, for reporting).
    public private(set) var lastFailure: String?
    /// How the most recent scan (of any target) was counted; nil before the first.
    public var lastRound: ScanRoundResult? { targets[lastTarget].lastRound }
    /// When the last counted scan of this run (of any target) finished (wall clock, for reports); nil until one has.
    public private(set) var lastCompleteScan: Date?
    /// Devices of the state file that the configuration no longer tracks, dropped at init: the caller
    /// clears what the broker still holds for them.
    public private(set) var untracked: [Device] = []

    /// - Parameter devices: the devices restored from the state file. Their states stand until evidence
    ///   of this run changes them; ones the configuration no longer tracks are dropped (see `untracked`);
    ///   names are derived again, so a renamed device in `devices` takes effect.
    public init(configuration: PresenceConfiguration, devices: [Device] = []) {
        var settings: [String: DeviceSettings] = [:]
        for (mac, setting) in configuration.devices {
            settings[MACAddress.normalized(mac) ?? mac.lowercased()] = setting
        }
        self.settings = settings
        excludedMACs = Set(configuration.excludeMACs.map { MACAddress.normalized($0) ?? $0.lowercased() })
        trackNewDevices = configuration.trackNewDevices
        trackWithoutMAC = configuration.trackWithoutMAC
        targets = configuration.targets.map { PresenceTargetStatus($0, watchSlack: configuration.watchSlack) }
        targetOfAddress = configuration.targetOfAddress
        reprobeLead = max(0, configuration.reprobeLead.timeInterval)
        var untracked: [Device] = []
        for var device in devices {
            guard isTracked(mac: device.mac) else {
                untracked.append(device)
                continue
            }
            device.name = name(mac: device.mac, ip: device.ip, hostName: device.hostName, vendor: device.vendor)
            let target = target(ofAddress: device.ip)
            records[device.id] = Record(device: device, considerHome: considerHome(for: device.mac, target: target), target: target)
        }
        self.untracked = untracked.sorted { $0.id < $1.id }
    }

    /// Every tracked device, deleted ones included, sorted by id.
    public var devices: [Device] {
        records.values.map(\.device).sorted { $0.id < $1.id }
    }

    /// The device with this id, if tracked.
    public func device(_ id: String) -> Device? {
        records[id]?.device
    }

    /// The target a device is in, by index; nil when no device has this id.
    public func target(ofDevice id: String) -> Int? {
        records[id]?.target
    }

    /// Takes in one scan of target `target` (index into `targets`) that ran from `started` to `now`;
    /// returns the changes, sorted by device id. A target out of range is the first.
    public mutating func apply(_ outcome: ScanOutcome, startedAt started: Moment, at now: Moment, target: Int = 0) -> [PresenceChange] {
        let target = targets.indices.contains(target) ? target : 0
        lastTarget = target
        switch outcome {
        case .failed(let reason):
            targets[target].consecutiveFailures += 1
            targets[target].lastFailure = reason
            targets[target].lastRound = .failed
            targets[target].watchedUntil = nil
            lastFailure = reason
            return []
        case .complete(let sightings):
            targets[target].consecutiveFailures = 0
            let answered = sightings.contains(where: Self.isWitness)
            guard answered || !expectsAnswers(target: target, startedAt: started.elapsed) else {
                targets[target].consecutiveOutages += 1
                targets[target].lastRound = .outage
                targets[target].watchedUntil = nil
                return []
            }
            targets[target].consecutiveOutages = 0
            targets[target].lastRound = .ok
            targets[target].lastCompleteScan = now.wall
            lastCompleteScan = now.wall
            var watchedFrom = started.elapsed
            if let watchedUntil = targets[target].watchedUntil, started.elapsed - watchedUntil <= targets[target].longestWatchedGap {
                watchedFrom = min(watchedUntil, started.elapsed)
            }
            if answered { // a scan that looked for nobody (all left out by home_interval) keeps the witnesses
                var streaks: [String: Int] = [:]
                for sighting in sightings where Self.isWitness(sighting) {
                    streaks[sighting.ip] = (targets[target].responders[sighting.ip] ?? 0) + 1
                }
                targets[target].responders = streaks
            }
            let changes = applyComplete(sightings, target: target, startedAt: started.elapsed, watchedFrom: watchedFrom, at: now)
            targets[target].watchedUntil = now.elapsed
            return changes
        }
    }

    /// A host that proves the network carried packets: anything but the scanning host answering itself.
    private static func isWitness(_ sighting: Sighting) -> Bool {
        sighting.reason != "localhost-response"
    }

    /// Whether a scan of `target` started then looked for a host that should have answered: one that
    /// answered the target's last scan in which anything did (before the first, any home device of the
    /// target). When `home_interval` left all of them out, silence proves nothing either way and is no outage.
    private func expectsAnswers(target: Int, startedAt started: TimeInterval) -> Bool {
        guard !targets[target].responders.isEmpty else {
            return records.values.contains { $0.target == target && $0.device.state == .home && !isExcluded($0, at: started) }
        }
        let leftOut = Set(excludedAddresses(at: started)[target])
        return targets[target].responders.keys.contains { !leftOut.contains($0) }
    }

    private mutating func applyComplete(
        _ sightings: [Sighting], target: Int, startedAt started: TimeInterval, watchedFrom: TimeInterval, at now: Moment
    ) -> [PresenceChange] {
        // One sighting per device: the first, unless a later one is on the device's current IP
        // (a host answering on two addresses must not flap between them). Known devices are found with one
        // lookup each and remember their pick in their record; at 10,000 devices a scan step must neither
        // hash every id three times nor copy every record (bench/run measures it).
        scanNumber &+= 1
        var known: [Dictionary<String, Record>.Index] = []
        known.reserveCapacity(records.count)
        var newIDs: Set<String> = []
        var new: [(id: String, mac: String?, sighting: Int)] = []
        for index in sightings.indices {
            let mac = sightings[index].mac.flatMap(MACAddress.normalized)
            guard isTracked(mac: mac) else { continue }
            let id = mac.map(MACAddress.deviceID(forMAC:)) ?? MACAddress.deviceID(forIP: sightings[index].ip)
            if let slot = records.index(forKey: id) {
                if records.values[slot].pickedInScan != scanNumber {
                    records.values[slot].pickedInScan = scanNumber
                    records.values[slot].pickedSighting = index
                    known.append(slot)
                } else if records.values[slot].device.ip == sightings[index].ip {
                    records.values[slot].pickedSighting = index
                }
            } else if newIDs.insert(id).inserted {
                new.append((id, mac, index)) // a new device has no current IP: its first sighting stands
            }
        }

        // Home devices of this target that the scan looked for and did not see: its watched time counts
        // against them. Another target's devices are not its business.
        let homeInterval = targets[target].homeInterval
        for slot in records.indices where records.values[slot].pickedInScan != scanNumber {
            let record = records.values[slot]
            guard record.target == target, record.device.state == .home, !isExcluded(record, at: started) else { continue }
            let from = max(watchedFrom, record.seenAt.map { $0 + homeInterval } ?? watchedFrom)
            records.values[slot].missed += max(0, now.elapsed - from)
            records.values[slot].missedRounds += 1
            records.values[slot].probeBlocked = false
        }

        var changes: [(id: String, change: PresenceChange)] = []
        for slot in known {
            let index = records.values[slot].pickedSighting
            if records.values[slot].target != target { // seen by another target's scan: it belongs there now
                records.values[slot].target = target
                records.values[slot].considerHome = considerHome(for: records.values[slot].device.mac, target: target)
            }
            let (wasHome, changed) = Self.see(&records.values[slot], sightings[index], at: now)
            if changed.contains(.hostName) || changed.contains(.vendor) {
                let device = records.values[slot].device
                records.values[slot].device.name = name(
                    mac: device.mac, ip: device.ip, hostName: device.hostName, vendor: device.vendor)
            }
            guard !records.values[slot].device.deleted, !wasHome || !changed.isEmpty else { continue }
            let device = records.values[slot].device
            changes.append((device.id, wasHome ? .updated(device, changed: changed) : .arrived(device)))
        }
        // Inserting invalidates the indices above, so new devices come last.
        for (id, mac, index) in new {
            let sighting = sightings[index]
            let hostName = sighting.hostName.flatMap { $0.isEmpty ? nil : $0 }
            let vendor = sighting.vendor.flatMap { $0.isEmpty ? nil : $0 }
            let device = Device(
                id: id, mac: mac, ip: sighting.ip, hostName: hostName, vendor: vendor,
                name: name(mac: mac, ip: sighting.ip, hostName: hostName, vendor: vendor),
                state: .home, firstSeen: now.wall, lastSeen: now.wall, randomizedMAC: sighting.randomizedMAC,
                keyedByIP: mac == nil, deleted: false, reason: sighting.reason)
            records[id] = Record(device: device, considerHome: considerHome(for: mac, target: target), target: target, seenAt: now.elapsed)
            changes.append((id, .arrived(device)))
        }
        changes.sort { $0.id < $1.id }
        return changes.map(\.change)
    }

    /// A known device seen up in a complete scan: home, seen now, with what changed. Returns whether it
    /// was home before and which fields changed (the name is the caller's to derive again).
    static func see(_ record: inout Record, _ sighting: Sighting, at now: Moment) -> (wasHome: Bool, changed: Set<DeviceField>) {
        // A missing host name or vendor never erases a known one.
        let hostName = sighting.hostName.flatMap { $0.isEmpty ? nil : $0 }
        let vendor = sighting.vendor.flatMap { $0.isEmpty ? nil : $0 }
        let wasHome = record.device.state == .home
        var changed: Set<DeviceField> = []
        if record.device.ip != sighting.ip {
            record.device.ip = sighting.ip
            changed.insert(.ip)
        }
        if let hostName, hostName != record.device.hostName {
            record.device.hostName = hostName
            changed.insert(.hostName)
        }
        if let vendor, vendor != record.device.vendor {
            record.device.vendor = vendor
            changed.insert(.vendor)
        }
        record.device.randomizedMAC = sighting.randomizedMAC
        record.device.state = .home
        // The reason tells why the device is in its state: it changes with the state, not with every
        // sighting (nmap's reason can alternate between scans, and each change is a message).
        if !wasHome || record.device.reason.isEmpty { record.device.reason = sighting.reason }
        seen(&record, at: now)
        return (wasHome, changed)
    }

    /// The device answered at `now`: its grace starts again.
    private static func seen(_ record: inout Record, at now: Moment) {
        record.device.lastSeen = now.wall
        record.seenAt = now.elapsed
        record.missed = 0
        record.missedRounds = 0
        record.probeBlocked = false
        record.silentProbe = nil
    }

    /// What now, at `now`: the departures that fall due, the re-probes to run (every target's, each with
    /// witnesses from its device's target), what each target's scan leaves out, and when to ask again.
    public mutating func next(at now: Moment) -> PresencePlan {
        var plan = PresencePlan()
        var departing: [String] = []
        var likeliest: [[(key: String, value: Int)]?] = Array(repeating: nil, count: targets.count)
        for (id, record) in records where record.device.state == .home && record.missedRounds > 0 {
            let missed = missedTime(record, at: now.elapsed)
            if record.silentProbe != nil {
                if missed >= record.considerHome {
                    departing.append(id)
                } else {
                    plan.wakeAt = earliest(plan.wakeAt, wakeTime(record, reaching: record.considerHome))
                }
            } else if !record.probeBlocked {
                if missed >= record.considerHome - reprobeLead {
                    plan.probes.append(
                        ProbeRequest(
                            deviceID: id, address: record.device.ip, mac: record.device.mac,
                            witnesses: witnesses(
                                among: likeliest[record.target].cached { likeliestWitnesses(target: record.target) }, except: record.device.ip),
                            target: record.target))
                } else {
                    plan.wakeAt = earliest(plan.wakeAt, wakeTime(record, reaching: record.considerHome - reprobeLead))
                }
            }
        }
        for id in departing.sorted() {
            guard var record = records[id], let reason = record.silentProbe else { continue }
            plan.changes += depart(&record, reason: reason)
        }
        plan.probes.sort { $0.deviceID < $1.deviceID }
        plan.targetExclusions = excludedAddresses(at: now.elapsed)
        return plan
    }

    /// The addresses a scan of `target` starting at `now` leaves out (`home_interval`): its home devices
    /// seen in this run less than its `home_interval` ago, sorted; empty when it is off. They are absent
    /// from that scan and untouched.
    public func excludedAddresses(at now: Moment, target: Int = 0) -> [String] {
        let all = excludedAddresses(at: now.elapsed)
        return all.indices.contains(target) ? all[target] : []
    }

    /// Every target's exclusions, by target, in one pass over the devices.
    private func excludedAddresses(at start: TimeInterval) -> [[String]] {
        var addresses: [Set<String>] = Array(repeating: [], count: targets.count)
        guard targets.contains(where: { $0.homeInterval > 0 }) else { return addresses.map { _ in [] } }
        for record in records.values where record.device.state == .home && isExcluded(record, at: start) {
            addresses[record.target].insert(record.device.ip)
        }
        return addresses.map { $0.sorted() }
    }

    /// Takes in the result of one re-probe that ended at `now`. A request that no longer applies (the
    /// device was seen since, moved, left or was forgotten) is ignored.
    public mutating func resolve(_ request: ProbeRequest, _ result: ProbeResult, at now: Moment) -> [PresenceChange] {
        guard var record = records[request.deviceID], record.device.ip == request.address,
            record.device.state == .home, record.missedRounds > 0, !record.probeBlocked, record.silentProbe == nil
        else { return [] }
        let notSeenSince = "not seen since \(Timestamp.text(record.device.lastSeen))"
        let reason: String
        switch result {
        case .failed:
            record.probeBlocked = true
            records[request.deviceID] = record
            return []
        case .answered(let rawMAC):
            let answeredMAC = rawMAC.flatMap(MACAddress.normalized)
            guard let answeredMAC, let mac = record.device.mac, answeredMAC != mac else {
                Self.seen(&record, at: now)
                records[request.deviceID] = record
                return []
            }
            reason = "\(notSeenSince); re-probe of \(request.address) was answered by \(answeredMAC) instead"
        case .noAnswer:
            // Silence proves something only next to a witness that answered.
            guard !request.witnesses.isEmpty else {
                record.probeBlocked = true
                records[request.deviceID] = record
                return []
            }
            reason = "\(notSeenSince); re-probe of \(request.address) got no answer"
        }
        guard missedTime(record, at: now.elapsed) >= record.considerHome else {
            record.silentProbe = reason
            records[request.deviceID] = record
            return []
        }
        return depart(&record, reason: reason)
    }

    private mutating func depart(_ record: inout Record, reason: String) -> [PresenceChange] {
        record.device.state = .notHome
        record.device.reason = reason
        record.silentProbe = nil
        record.probeBlocked = false
        records[record.device.id] = record
        return record.device.deleted ? [] : [.departed(record.device)]
    }

    /// The user deleted the device in Home Assistant: keep tracking it but report no more changes for it.
    /// Returns the device, or nil when no device has this id.
    public mutating func markDeleted(_ id: String) -> Device? {
        guard records[id] != nil else { return nil }
        records[id]!.device.deleted = true
        return records[id]!.device
    }

    /// Drops the device; if it is seen again it arrives as a new one. Returns it, or nil when unknown.
    public mutating func forget(_ id: String) -> Device? {
        records.removeValue(forKey: id)?.device
    }

    // MARK: - Rules

    /// Watched seconds in which the device was missed, at `now`: what counted scans credited, plus the
    /// time since the last counted scan while the next one is still within its interval.
    func missedTime(_ record: Record, at now: TimeInterval) -> TimeInterval {
        let target = targets[record.target]
        guard let watchedUntil = target.watchedUntil else { return record.missed }
        return record.missed + min(max(0, now - watchedUntil), target.longestWatchedGap)
    }

    /// When the device's missed time reaches `threshold` if watching goes on; nil when that lies beyond
    /// the next scan (which then brings the answer).
    private func wakeTime(_ record: Record, reaching threshold: TimeInterval) -> Double? {
        let target = targets[record.target]
        guard let watchedUntil = target.watchedUntil else { return nil }
        let wait = max(0, threshold - record.missed)
        return wait <= target.longestWatchedGap ? watchedUntil + wait : nil
    }

    private func earliest(_ a: Double?, _ b: Double?) -> Double? {
        guard let a else { return b }
        guard let b else { return a }
        return min(a, b)
    }

    /// Left out of its target's scan starting at `start`: seen in this run less than the target's
    /// `home_interval` before it.
    private func isExcluded(_ record: Record, at start: TimeInterval) -> Bool {
        let homeInterval = targets[record.target].homeInterval
        guard homeInterval > 0, let seenAt = record.seenAt else { return false }
        return start < seenAt + homeInterval
    }

    /// Up to three hosts of the target's last counted scan other than `address`, the longest-answering first.
    /// The four hosts that answered the most counted scans in a row (ties: the lower address first), in
    /// that order: one pass, however many hosts answer. A probe's witnesses are the first three of them
    /// that are not its own address.
    private func likeliestWitnesses(target: Int) -> [(key: String, value: Int)] {
        var best: [(key: String, value: Int)] = []
        for responder in targets[target].responders {
            let rank = best.firstIndex { responder.value != $0.value ? responder.value > $0.value : responder.key < $0.key } ?? best.count
            guard rank < 4 else { continue }
            best.insert(responder, at: rank)
            if best.count > 4 { best.removeLast() }
        }
        return best
    }

    private func witnesses(among likeliest: [(key: String, value: Int)], except address: String) -> [String] {
        likeliest.lazy.filter { $0.key != address }.prefix(3).map(\.key)
    }

    func isTracked(mac: String?) -> Bool {
        guard let mac else { return trackWithoutMAC }
        if !excludedMACs.isEmpty && excludedMACs.contains(mac) { return false }
        if !settings.isEmpty, let setting = settings[mac] { return setting.track }
        return trackNewDevices
    }

    /// The device's own `consider_home`, else its target's.
    func considerHome(for mac: String?, target: Int) -> TimeInterval {
        mac.flatMap { settings[$0]?.considerHome?.timeInterval } ?? targets[target].considerHome
    }

    /// The target whose scans would find `address` (`targetOfAddress`), else the first.
    func target(ofAddress address: String) -> Int {
        guard !address.isEmpty, let target = targetOfAddress(address), targets.indices.contains(target) else { return 0 }
        return target
    }

    /// Like Home Assistant's `human_readable_name`: the configured name, else the short host name, else
    /// "<vendor> <last three octets>", else "Device <mac or ip>".
    func name(mac: String?, ip: String, hostName: String?, vendor: String?) -> String {
        if let mac, let configured = settings[mac]?.name, !configured.isEmpty { return configured }
        if let hostName, let label = hostName.split(separator: ".").first, !label.isEmpty {
            return String(label)
        }
        if let vendor, let mac { return "\(vendor) \(mac.suffix(8).uppercased())" }
        return "Device \(mac ?? ip)"
    }
}

extension Optional {
    /// The value, made by `make` and kept the first time it is asked for.
    fileprivate mutating func cached(_ make: () -> Wrapped) -> Wrapped {
        if let self { return self }
        let value = make()
        self = value
        return value
    }
}
