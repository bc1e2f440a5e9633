import Foundation
import Presence

/// Several daemons sharing one base topic (issue 16), simulated in process with the real
/// `PresenceEngine` (one per node) and the real `Household` merge, on a simulated clock: each node scans
/// its segment, re-probes what its engine asks for, publishes its view on its node topics by the
/// bridge's mirror rule, and hears the others'; the leader publishes the merge on the shared topics.
/// The broker delivers at once and to every live node. Devices come and go; nodes die and come back.
///
/// Everything a user would notice on the shared topics is checked against the truth of the simulation
/// (who is really present), not assumed: a `not_home` published for a present device is counted.
struct SimulatedHousehold {
    struct Scenario {
        var nodes = 5
        var devices = 5_000
        /// One device in this many of a segment is also seen by the next node (overlapping segments).
        var overlapEvery = 10
        /// The first few devices of each segment (router, switch, TV) never leave: the scans count.
        var alwaysPresent = 3
        /// Simulated time measured, after `warmUp`.
        var minutes = 60.0
        var warmUp = 300.0
        /// The share of the devices that leave or return each minute.
        var churnPerMinute = 0.01
        /// A node dies about this often (the nodes in turn) ...
        var deathEvery = 240.0
        /// ... and comes back this much later, restored from what it had (its state file).
        var downFor = 60.0
        var seed: UInt64 = 16
        var scanInterval = 12.0
        var scanDuration = 2.0
        var considerHome = 180.0
        var reprobeLead = 6.0
        /// `mqtt.last_seen_refresh`'s default (Sources/Bridge/Config/MQTTSettings.swift).
        var lastSeenRefresh = 900.0

        var end: Double { warmUp + minutes * 60 }
    }

    /// What the simulation counted in the measured window.
    struct Tally {
        var sharedState = 0
        var sharedAttributes = 0
        /// Shared devices whose availability topics (the viewers) changed: a discovery message each.
        var sharedDiscovery = 0
        var nodeTopic = 0
        /// Of `nodeTopic`: what restarted nodes published again at start.
        var nodeTopicAtRestart = 0
        var leaveDelays: [Double] = []
        var returnDelays: [Double] = []
        /// `not_home` published on the shared topics for a device present at that moment.
        var falseNotHome: [(device: Int, at: Double)] = []
        /// `home` published on the shared topics for a device absent at that moment.
        var falseHome: [(device: Int, at: Double)] = []
        /// Absences shorter than the decision: the shared state never changed.
        var shortAbsences = 0
        /// Leaves with no shared `not_home` by the end, and the oldest of them (seconds before the end).
        var undecidedLeaves = 0
        var oldestUndecidedLeave = 0.0
        /// The most devices unavailable at once during each death.
        var unavailablePerDeath: [Int] = []
        /// The most devices unavailable at once while every node was live (should be 0).
        var unavailableWhileAllLive = 0
        var deaths = 0
        var leaderChanges = 0
        /// Live nodes whose own `Household` named another leader than the one that published.
        var leaderDisagreements = 0
        var mergeSeconds: [Double] = []
        var probes = 0
        /// Re-probes that found the device there (it came back between two scans).
        var probesAnswered = 0
        /// The engine asked to be woken at a time not later than now (rounding of fractional seconds).
        var wakeAnomalies = 0
    }

    let scenario: Scenario
    /// One node covering every device (the daemon alone, as today): no deaths and no node topics.
    let alone: Bool
    private(set) var tally = Tally()
    private var nodes: [SimulatedNode] = []
    private let configuration: PresenceConfiguration
    private let origin = Date(timeIntervalSince1970: 1_800_000_000)
    private var present: [Bool] = []
    private var sightings: [Sighting] = []
    private var ids: [String] = []
    private var index: [String: Int] = [:]
    private var churnable: [Int] = []
    /// The shared topics: what the leaders published, as the broker retains it.
    private var shared: ShownDevices
    private var sharedState: [PresenceState?]
    private var sharedViewers: [[String]]
    private var leader: Int?
    private var leaveAt: [Double?]
    private var returnAt: [Double?]
    /// Each dead node's devices as it saved them.
    private var saved: [Int: [Device]] = [:]
    private var unavailableThisDeath = 0
    /// Devices leaving or returning in the current minute, the next one last.
    private var toggles: [(at: Double, device: Int)] = []

    init(_ scenario: Scenario, alone: Bool) {
        self.scenario = scenario
        self.alone = alone
        configuration = PresenceConfiguration(
            considerHome: .seconds(scenario.considerHome), scanInterval: .seconds(scenario.scanInterval),
            reprobeLead: .seconds(scenario.reprobeLead))
        shared = ShownDevices(lastSeenRefresh: scenario.lastSeenRefresh)
        sharedState = Array(repeating: nil, count: scenario.devices)
        sharedViewers = Array(repeating: [], count: scenario.devices)
        leaveAt = Array(repeating: nil, count: scenario.devices)
        returnAt = Array(repeating: nil, count: scenario.devices)
        makeDevices()
    }

    private var perSegment: Int { scenario.devices / scenario.nodes }

    /// The devices, the first presence (half of those that may leave are there) and the nodes, each
    /// restored from a state file that matches it.
    private mutating func makeDevices() {
        var random = SplitMix64(seed: scenario.seed)
        for device in 0..<scenario.devices {
            let segment = device / perSegment
            let slot = device % perSegment
            let mac = String(format: "3c:22:fb:%02x:%02x:%02x", (device >> 16) & 0xFF, (device >> 8) & 0xFF, device & 0xFF)
            sightings.append(Sighting(mac: mac, ip: "10.\(segment).\(slot / 250).\(slot % 250 + 1)", vendor: "Apple"))
            ids.append(mac.replacingOccurrences(of: ":", with: "")) // MACAddress.deviceID(forMAC:)
            index[ids[device]] = device
            let always = slot < scenario.alwaysPresent
            if !always { churnable.append(device) }
            present.append(always || random.below(2) == 0)
        }
        var coverage: [[Int]] = Array(repeating: [], count: alone ? 1 : scenario.nodes)
        for device in 0..<scenario.devices {
            let segment = alone ? 0 : device / perSegment
            coverage[segment].append(device)
            if !alone, scenario.nodes > 1, device % perSegment % scenario.overlapEvery == scenario.overlapEvery / 2 {
                coverage[(segment + 1) % scenario.nodes].append(device)
            }
        }
        for (number, devices) in coverage.enumerated() {
            let engine = PresenceEngine(configuration: configuration, devices: devices.map(restored))
            var node = SimulatedNode(
                id: String(format: "node-%02d", number + 1), coverage: devices.sorted(), engine: engine, at: 0,
                lastSeenRefresh: scenario.lastSeenRefresh)
            node.nextScan = 1 + Double(number) * scenario.scanInterval / Double(coverage.count)
            nodes.append(node)
        }
    }

    /// A device as a state file written just before the start holds it.
    private func restored(_ device: Int) -> Device {
        let sighting = sightings[device]
        let lastSeen = origin.addingTimeInterval(present[device] ? -10 : -3_600)
        return Device(
            id: ids[device], mac: sighting.mac, ip: sighting.ip, vendor: sighting.vendor, name: "",
            state: present[device] ? .home : .notHome, firstSeen: origin.addingTimeInterval(-86_400),
            lastSeen: lastSeen, reason: present[device] ? sighting.reason : "not seen since \(Timestamp.text(lastSeen))")
    }

    private enum Event {
        case churn
        case toggle
        case death(Int)
        case restart(Int)
        case scan(Int)
        case wake(Int)
    }

    /// Runs the whole scenario; the figures are in `tally`.
    mutating func run() {
        var deaths: [(at: Double, event: Event)] = []
        if !alone {
            var random = SplitMix64(seed: scenario.seed ^ 0xDEAD)
            var number = 0
            while true {
                let at = scenario.warmUp + scenario.deathEvery / 2 + Double(number) * scenario.deathEvery + Double(random.below(41) - 20)
                let back = at + scenario.downFor + Double(random.below(21) - 10)
                guard back < scenario.end else { break }
                deaths += [(at, .death(number % scenario.nodes)), (back, .restart(number % scenario.nodes))]
                number += 1
            }
            deaths.sort { $0.at < $1.at }
        }
        var churn = SplitMix64(seed: scenario.seed ^ 0xC0FFEE)
        for number in nodes.indices where !alone { publishView(of: number, at: 0) }
        for number in nodes.indices {
            for other in nodes.indices where other != number { nodes[number].household.setOnline(nodes[other].id, true) }
        }
        publishShared(at: 0)
        var nextChurn = 60.0
        var nextDeath = 0
        while true {
            var time = nextChurn
            var event = Event.churn
            if let toggle = toggles.last, toggle.at < time { (time, event) = (toggle.at, .toggle) }
            if nextDeath < deaths.count, deaths[nextDeath].at < time { (time, event) = deaths[nextDeath] }
            for (number, node) in nodes.enumerated() where node.alive {
                if let wake = node.wakeAt, wake < node.nextScan, wake < time { (time, event) = (wake, .wake(number)) }
                if node.nextScan + scenario.scanDuration < time { (time, event) = (node.nextScan + scenario.scanDuration, .scan(number)) }
            }
            guard time <= scenario.end else { break }
            switch event {
            case .churn:
                plan(minuteFrom: time, &churn)
                nextChurn += 60
            case .toggle:
                toggle(toggles.removeLast().device, at: time)
            case .death(let number):
                die(number, at: time)
                nextDeath += 1
            case .restart(let number):
                restart(number, at: time)
                nextDeath += 1
            case .scan(let number), .wake(let number):
                var isScan = false
                if case .scan = event { isScan = true }
                let leading = number == leader
                let shown = step(number, at: time, scan: isScan)
                if !alone, shown > 0 || (leading && shared.refreshDue(at: time)) { publishShared(at: time) }
            }
        }
        for device in 0..<scenario.devices where !present[device] {
            guard let left = leaveAt[device] else { continue }
            tally.undecidedLeaves += 1
            tally.oldestUndecidedLeave = max(tally.oldestUndecidedLeave, scenario.end - left)
        }
    }

    private func measuring(_ time: Double) -> Bool { time >= scenario.warmUp }

    /// The minute starting at `time`: 1% of the devices that may leave change places at random
    /// moments of it (present ones leave, absent ones return), each device at most once.
    private mutating func plan(minuteFrom time: Double, _ random: inout SplitMix64) {
        let count = min(Int((Double(scenario.devices) * scenario.churnPerMinute).rounded()), churnable.count)
        var picked: Set<Int> = []
        var planned: [(at: Double, device: Int)] = []
        while picked.count < count {
            let device = churnable[random.below(churnable.count)]
            if picked.insert(device).inserted { planned.append((time + Double(random.below(600)) / 10, device)) }
        }
        toggles = (toggles + planned).sorted { $0.at > $1.at } // the next one last
    }

    private mutating func toggle(_ device: Int, at time: Double) {
        present[device].toggle()
        guard measuring(time) else { return }
        if present[device] {
            if sharedState[device] == .notHome { returnAt[device] = time } else if leaveAt[device] != nil { tally.shortAbsences += 1 }
            leaveAt[device] = nil
        } else {
            if sharedState[device] == .home { leaveAt[device] = time }
            returnAt[device] = nil
        }
    }

    /// A scan of node `number` ends at `time` (or the engine asked to be asked again): the daemon's loop.
    /// Returns how many devices it published on its node topics (alone: on the shared topics).
    private mutating func step(_ number: Int, at time: Double, scan: Bool) -> Int {
        let moment = nodes[number].moment(time, origin: origin)
        var changes: [PresenceChange] = []
        if scan {
            let started = nodes[number].nextScan
            var seen: [Sighting] = []
            for device in nodes[number].coverage where present[device] { seen.append(sightings[device]) }
            changes += nodes[number].engine.apply(
                .complete(seen), startedAt: nodes[number].moment(started, origin: origin), at: moment)
            nodes[number].nextScan = started + scenario.scanInterval
        }
        nodes[number].wakeAt = nil
        for _ in 0..<4 {
            let plan = nodes[number].engine.next(at: moment)
            changes += plan.changes
            if plan.probes.isEmpty {
                if let wake = plan.wakeAt.map({ nodes[number].runStart + $0 }) {
                    // A wake at "now" (the sum of fractional seconds rounds): the daemon's clock has moved on by
                    // the time it asks again, so ask again a millisecond later.
                    if wake <= time { tally.wakeAnomalies += 1 }
                    nodes[number].wakeAt = max(wake, time + 0.001)
                }
                break
            }
            for request in plan.probes {
                // The re-probe answers when the device is really there; the routers witness it.
                let device = index[request.deviceID]!
                let result: ProbeResult = present[device] ? .answered(mac: request.mac) : .noAnswer
                if measuring(time) {
                    tally.probes += 1
                    if present[device] { tally.probesAnswered += 1 }
                }
                changes += nodes[number].engine.resolve(request, result, at: moment)
            }
        }
        if alone { return publishAlone(at: time, changed: changes.map(\.device)) }
        return publishView(of: number, at: time, changed: changes.map(\.device))
    }

    /// Node `number` publishes its view by the mirror rule; every other live node hears it. `changed`:
    /// the devices of the engine's changes, all that can be shown unless `last_seen` is refreshed (or
    /// nil: compare every device, as the bridge does).
    @discardableResult
    private mutating func publishView(of number: Int, at time: Double, changed: [Device]? = nil, restarting: Bool = false) -> Int {
        var shown: [(device: Device, before: Device?)]
        if let changed, !nodes[number].view.refreshDue(at: time) {
            shown = nodes[number].view.update(changed: changed)
        } else {
            shown = nodes[number].view.update(nodes[number].engine.devices, at: time)
        }
        // As the daemon does: a restored device seen again is stated once more, now confirmed.
        let unconfirmed = nodes[number].engine.unconfirmed
        let stated = Set(shown.map(\.device.id))
        for id in nodes[number].statedUnconfirmed.subtracting(unconfirmed).subtracting(stated) {
            if let device = nodes[number].engine.device(id) { shown.append((device, device)) }
        }
        nodes[number].statedUnconfirmed = unconfirmed
        if measuring(time) {
            tally.nodeTopic += shown.count
            if restarting { tally.nodeTopicAtRestart += shown.count }
        }
        let id = nodes[number].id
        for other in nodes.indices where other != number && nodes[other].alive {
            for (device, _) in shown {
                nodes[other].household.setView(id, device: device.id, device, confirmed: !unconfirmed.contains(device.id))
            }
        }
        return shown.count
    }

    private mutating func die(_ number: Int, at time: Double) {
        nodes[number].alive = false
        nodes[number].wakeAt = nil
        saved[number] = nodes[number].engine.devices
        tally.deaths += 1
        unavailableThisDeath = 0
        for other in nodes.indices where other != number && nodes[other].alive {
            nodes[other].household.setOnline(nodes[number].id, false)
        }
        publishShared(at: time)
    }

    /// A new run of the daemon: its engine from its state file, its household from what the broker
    /// retains, and everything shown again on its node topics.
    private mutating func restart(_ number: Int, at time: Double) {
        var node = SimulatedNode(
            id: nodes[number].id, coverage: nodes[number].coverage,
            engine: PresenceEngine(configuration: configuration, devices: saved[number] ?? []), at: time,
            lastSeenRefresh: scenario.lastSeenRefresh)
        node.nextScan = time + 1
        for other in nodes.indices where other != number {
            node.household.setOnline(nodes[other].id, nodes[other].alive)
            for (id, device) in nodes[other].view.shown {
                node.household.setView(nodes[other].id, device: id, device, confirmed: !nodes[other].statedUnconfirmed.contains(id))
            }
            if nodes[other].alive { nodes[other].household.setOnline(node.id, true) }
        }
        nodes[number] = node
        tally.unavailablePerDeath.append(unavailableThisDeath)
        publishView(of: number, at: time, restarting: true)
        publishShared(at: time)
    }

    /// The leader merges and publishes the shared topics; the outcome is checked against the truth.
    private mutating func publishShared(at time: Double) {
        guard let leading = nodes.indices.filter({ nodes[$0].alive }).min(by: { nodes[$0].id < nodes[$1].id }) else { return }
        if let leader, leader != leading, measuring(time) { tally.leaderChanges += 1 }
        leader = leading
        for node in nodes where node.alive && node.household.leader != nodes[leading].id { tally.leaderDisagreements += 1 }
        let own = nodes[leading].engine.devices
        let clock = ContinuousClock()
        let started = clock.now
        let merged = nodes[leading].household.merged(own: own, ownUnconfirmed: nodes[leading].engine.unconfirmed)
        let took = clock.now - started
        if measuring(time) { tally.mergeSeconds.append(took.seconds) }

        var unavailable = 0
        for (position, item) in merged.enumerated() {
            let device = position < ids.count && ids[position] == item.device.id ? position : index[item.device.id]!
            if !item.available { unavailable += 1 }
            if sharedViewers[device] != item.viewers {
                if measuring(time) && !sharedViewers[device].isEmpty { tally.sharedDiscovery += 1 }
                sharedViewers[device] = item.viewers
            }
        }
        if nodes.allSatisfy(\.alive) {
            tally.unavailableWhileAllLive = max(tally.unavailableWhileAllLive, unavailable)
        } else {
            unavailableThisDeath = max(unavailableThisDeath, unavailable)
        }

        record(shared.update(merged.map(\.device), at: time), at: time)
    }

    /// One node alone publishes its engine's devices on the shared topics by the mirror rule, as the
    /// bridge does today (the single-node merge is the identity: `merged(own:)`'s fast path).
    private mutating func publishAlone(at time: Double, changed: [Device]) -> Int {
        let shown: [(device: Device, before: Device?)]
        if shared.refreshDue(at: time) {
            let own = nodes[0].engine.devices
            let clock = ContinuousClock()
            let started = clock.now
            let merged = nodes[0].household.merged(own: own)
            let took = clock.now - started
            if measuring(time) { tally.mergeSeconds.append(took.seconds) }
            shown = shared.update(merged.map(\.device), at: time)
        } else {
            shown = shared.update(changed: changed)
        }
        record(shown, at: time)
        return shown.count
    }

    /// What the shared topics published at `time`, checked against who is really there.
    private mutating func record(_ published: [(device: Device, before: Device?)], at time: Double) {
        for (shown, before) in published {
            let device = index[shown.id]!
            if measuring(time), before.map({ Self.attributesDiffer($0, shown) }) ?? true { tally.sharedAttributes += 1 }
            guard sharedState[device] != shown.state else { continue }
            let first = sharedState[device] == nil
            sharedState[device] = shown.state
            guard !first, measuring(time) else { continue }
            tally.sharedState += 1
            switch shown.state {
            case .notHome:
                if present[device] {
                    tally.falseNotHome.append((device, time))
                } else if let left = leaveAt[device] {
                    tally.leaveDelays.append(time - left)
                }
                leaveAt[device] = nil
            case .home:
                if !present[device] {
                    tally.falseHome.append((device, time))
                } else if let back = returnAt[device] {
                    tally.returnDelays.append(time - back)
                }
                returnAt[device] = nil
            }
        }
    }

    /// Whether the `attributes` payload differs (`Payloads.attributes`: ip, mac, host name, vendor,
    /// `last_seen` to the second, reason); the publisher sends nothing for an equal payload.
    private static func attributesDiffer(_ a: Device, _ b: Device) -> Bool {
        a.ip != b.ip || a.mac != b.mac || a.hostName != b.hostName || a.vendor != b.vendor || a.reason != b.reason
            || Timestamp.text(a.lastSeen) != Timestamp.text(b.lastSeen)
    }
}
