import Foundation

/// The presence state machine: pure, no I/O, time only from the `now` its callers pass in.
///
/// Rules (issue 4 and the lead's decisions):
/// - Identity is the MAC. Hosts without one are ignored unless `trackWithoutMAC`, then keyed by IP and
///   flagged `keyedByIP`. `excludeMACs`, `devices[mac].track == false` and, with `trackNewDevices` off,
///   unlisted MACs are never tracked and never appear in changes (stored ones are dropped at init).
/// - Seen up in a complete scan: `home` at once, `lastSeen` = now. A `not_home` device seen again arrives;
///   a `home` one only reports `updated` when its IP, host name or vendor changed (a missing host name or
///   vendor in a sighting never erases a known one). A MAC seen on a new IP is an update; an IP that moves
///   to another MAC neither moves nor departs the old device.
/// - A departure needs evidence. It falls due at `lastSeen + homeInterval + considerHome` (with
///   `home_interval` on, the device is not scanned during it, so the grace starts when scanning it resumes),
///   and only once a complete scan of this run has finished after `lastSeen`. Then the caller re-probes the
///   last IP; only `.noAnswer` (or an answer from a different MAC) departs the device. An answer keeps it
///   home and refreshes `lastSeen`; a failed probe changes nothing and the device stays due. So while nmap
///   keeps failing or hanging, nobody departs, however long; after a restart, stored `home` devices become
///   `not_home` only after the first complete scan of this run and a missed re-probe.
/// - Worst-case delay between a device leaving and its `not_home`: `home_interval + consider_home` plus
///   one scan and the re-probe, which is at most `home_interval + consider_home + interval` while scans
///   take less than the interval. (Home Assistant decides only after scans, so its departures drift
///   further.)
/// - A failed scan changes no device; consecutive failures are counted for reporting.
/// - Devices the user deleted are tracked like any other (so `forget` and the table stay right), but their
///   changes are dropped: the caller never has to filter them.
///
/// The caller's loop: after each `apply` or `resolve`, wait until `nextDecision()` (or the next scan end,
/// whichever comes first), then re-probe every request of `probesDue(at:)` and pass each result to
/// `resolve`. Pass `excludedAddresses(at:)` to the next scan's `--exclude`.
///
/// Every step is O(n) over dictionaries keyed by device id; no quadratic scans.
public struct PresenceEngine: Sendable {
    /// A device plus what the engine needs to decide about it.
    struct Record: Sendable {
        var device: Device
        /// This device's `consider_home`, in seconds.
        var considerHome: TimeInterval
        /// When its last re-probe failed, if it has not been seen since; keeps `nextDecision` from
        /// returning the same past moment again and again while nmap is broken.
        var probeFailedAt: Date?
        /// The scan that last picked a sighting for this device, and which sighting (`applyComplete`).
        var pickedInScan = 0
        var pickedSighting = 0
    }

    private var records: [String: Record] = [:]
    /// Counts complete scans, to tell which records `applyComplete` has already picked a sighting for.
    private var scanNumber = 0
    private let settings: [String: DeviceSettings]
    private let excludedMACs: Set<String>
    private let trackNewDevices: Bool
    private let trackWithoutMAC: Bool
    private let considerHome: TimeInterval
    private let homeInterval: TimeInterval

    /// Failed scans since the last complete one.
    public private(set) var consecutiveFailures = 0
    /// The reason of the most recent failed scan (kept after later complete scans, for reporting).
    public private(set) var lastFailure: String?
    /// When the last complete scan of this run finished; nil until one has.
    public private(set) var lastCompleteScan: Date?

    /// - Parameter devices: the devices restored from the state file. Their states stand until evidence
    ///   of this run changes them; ones the configuration no longer tracks are dropped; names are derived
    ///   again, so a renamed device in `devices` takes effect.
    public init(configuration: PresenceConfiguration, devices: [Device] = []) {
        var settings: [String: DeviceSettings] = [:]
        for (mac, setting) in configuration.devices {
            settings[MACAddress.normalized(mac) ?? mac.lowercased()] = setting
        }
        self.settings = settings
        excludedMACs = Set(configuration.excludeMACs.map { MACAddress.normalized($0) ?? $0.lowercased() })
        trackNewDevices = configuration.trackNewDevices
        trackWithoutMAC = configuration.trackWithoutMAC
        considerHome = configuration.considerHome.timeInterval
        homeInterval = max(0, configuration.homeInterval.timeInterval)
        for var device in devices {
            guard isTracked(mac: device.mac) else { continue }
            device.name = name(mac: device.mac, ip: device.ip, hostName: device.hostName, vendor: device.vendor)
            records[device.id] = Record(device: device, considerHome: considerHome(for: device.mac))
        }
    }

    /// Every tracked device, deleted ones included, sorted by id.
    public var devices: [Device] {
        records.values.map(\.device).sorted { $0.id < $1.id }
    }

    /// The device with this id, if tracked.
    public func device(_ id: String) -> Device? {
        records[id]?.device
    }

    /// Takes in one scan outcome that ended at `now`; returns the changes, sorted by device id.
    public mutating func apply(_ outcome: ScanOutcome, at now: Date) -> [PresenceChange] {
        switch outcome {
        case .failed(let reason):
            consecutiveFailures += 1
            lastFailure = reason
            return []
        case .complete(let sightings):
            consecutiveFailures = 0
            lastCompleteScan = now
            return applyComplete(sightings, at: now)
        }
    }

    private mutating func applyComplete(_ sightings: [Sighting], at now: Date) -> [PresenceChange] {
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
                new.append((id, mac, index))  // a new device has no current IP: its first sighting stands
            }
        }

        var changes: [(id: String, change: PresenceChange)] = []
        for slot in known {
            let index = records.values[slot].pickedSighting
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
                state: .home, firstSeen: now, lastSeen: now, randomizedMAC: sighting.randomizedMAC,
                keyedByIP: mac == nil, deleted: false, reason: sighting.reason)
            records[id] = Record(device: device, considerHome: considerHome(for: mac))
            changes.append((id, .arrived(device)))
        }
        changes.sort { $0.id < $1.id }
        return changes.map(\.change)
    }

    /// A known device seen up in a complete scan: home, seen now, with what changed. Returns whether it
    /// was home before and which fields changed (the name is the caller's to derive again).
    private static func see(_ record: inout Record, _ sighting: Sighting, at now: Date) -> (wasHome: Bool, changed: Set<DeviceField>) {
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
        record.device.lastSeen = now
        if record.device.reason != sighting.reason { record.device.reason = sighting.reason }
        record.probeFailedAt = nil
        return (wasHome, changed)
    }

    /// The earliest moment a departure falls due, or nil when none is pending. It may lie in the past:
    /// evaluate `probesDue` then. Devices still waiting for a complete scan after their last sighting, and
    /// devices whose re-probe failed since the last complete scan, are left out (the next `apply` brings
    /// them back), so a broken nmap cannot make the caller spin.
    public func nextDecision() -> Date? {
        guard let lastCompleteScan else { return nil }
        var earliest: Date?
        for record in records.values where record.device.state == .home {
            guard lastCompleteScan > record.device.lastSeen else { continue }
            if let failed = record.probeFailedAt, failed >= lastCompleteScan { continue }
            let due = dueTime(record)
            if earliest.map({ due < $0 }) ?? true { earliest = due }
        }
        return earliest
    }

    /// The devices whose departure is due at `now`, sorted by id: the caller re-probes each one's last IP
    /// and passes the result to `resolve`. A device whose probe failed comes back after the next complete
    /// scan (nmap broken is "unknown": retrying at once would only run a broken nmap again).
    public func probesDue(at now: Date) -> [ProbeRequest] {
        var requests: [ProbeRequest] = []
        for record in records.values where isDue(record, at: now) {
            let device = record.device
            requests.append(ProbeRequest(deviceID: device.id, address: device.ip, mac: device.mac))
        }
        requests.sort { $0.deviceID < $1.deviceID }
        return requests
    }

    /// Takes in the result of one re-probe made at `now`. A request that no longer applies (the device was
    /// seen since, moved, left or was forgotten) is ignored.
    public mutating func resolve(_ request: ProbeRequest, _ result: ProbeResult, at now: Date) -> [PresenceChange] {
        guard var record = records[request.deviceID], record.device.ip == request.address,
            isDue(record, at: now)
        else { return [] }
        let notSeenSince = "not seen since \(Timestamp.text(record.device.lastSeen))"
        switch result {
        case .failed:
            record.probeFailedAt = now
            records[request.deviceID] = record
            return []
        case .answered(let rawMAC):
            let answeredMAC = rawMAC.flatMap(MACAddress.normalized)
            guard let answeredMAC, let mac = record.device.mac, answeredMAC != mac else {
                record.device.lastSeen = now
                record.device.reason = "answered re-probe"
                record.probeFailedAt = nil
                records[request.deviceID] = record
                return []
            }
            return depart(
                &record,
                reason: "\(notSeenSince); re-probe of \(request.address) was answered by \(answeredMAC) instead")
        case .noAnswer:
            return depart(&record, reason: "\(notSeenSince); re-probe of \(request.address) got no answer")
        }
    }

    private mutating func depart(_ record: inout Record, reason: String) -> [PresenceChange] {
        record.device.state = .notHome
        record.device.reason = reason
        record.probeFailedAt = nil
        records[record.device.id] = record
        return record.device.deleted ? [] : [.departed(record.device)]
    }

    /// `home_interval`: the IPs of home devices seen less than `homeInterval` ago, sorted, for the next
    /// scan's `--exclude`; empty when it is off. Those devices are absent from that scan and untouched.
    public func excludedAddresses(at now: Date) -> [String] {
        guard homeInterval > 0 else { return [] }
        var addresses: Set<String> = []
        for record in records.values where record.device.state == .home {
            if now.timeIntervalSince(record.device.lastSeen) < homeInterval {
                addresses.insert(record.device.ip)
            }
        }
        return addresses.sorted()
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

    private func dueTime(_ record: Record) -> Date {
        record.device.lastSeen.addingTimeInterval(homeInterval + record.considerHome)
    }

    /// Due: home, past its grace, and a complete scan of this run has finished since it was last seen.
    private func isDue(_ record: Record, at now: Date) -> Bool {
        guard record.device.state == .home, let lastCompleteScan,
            lastCompleteScan > record.device.lastSeen
        else { return false }
        if let failed = record.probeFailedAt, failed >= lastCompleteScan { return false }
        return dueTime(record) <= now
    }

    private func isTracked(mac: String?) -> Bool {
        guard let mac else { return trackWithoutMAC }
        if !excludedMACs.isEmpty && excludedMACs.contains(mac) { return false }
        if !settings.isEmpty, let setting = settings[mac] { return setting.track }
        return trackNewDevices
    }

    private func considerHome(for mac: String?) -> TimeInterval {
        mac.flatMap { settings[$0]?.considerHome?.timeInterval } ?? considerHome
    }

    /// Like Home Assistant's `human_readable_name`: the configured name, else the short host name, else
    /// "<vendor> <last three octets>", else "Device <mac or ip>".
    private func name(mac: String?, ip: String, hostName: String?, vendor: String?) -> String {
        if let mac, let configured = settings[mac]?.name, !configured.isEmpty { return configured }
        if let hostName, let label = hostName.split(separator: ".").first, !label.isEmpty {
            return String(label)
        }
        if let vendor, let mac { return "\(vendor) \(mac.suffix(8).uppercased())" }
        return "Device \(mac ?? ip)"
    }
}
