import Foundation
import Logging
import Presence
import StatusPage
import Synchronization

/// What the bridge's services share: the presence engine, what the broker should hold (through the
/// ``TopicPublisher``) and what the state file should hold (through the ``StateFileWriter``).
///
/// One lock. Every step that changes the engine also states, inside that lock, what the broker and the
/// state file should now hold, so the publisher and the writer always receive statements in the order
/// the engine took its steps: a snapshot taken before a `forget` can never re-announce the device after
/// the forget cleared it, and an older state file never replaces a newer one. Nothing inside the lock
/// waits: the publisher and the writer only take note and wake their own tasks.
final class BridgeState: Sendable {
    let configuration: BridgeConfiguration
    let topics: Topics
    let logger: Logger
    let publisher: TopicPublisher
    let writer: StateFileWriter
    /// What the status page, `/metrics` and `/healthz` read: a snapshot stated after every step, so no web
    /// client ever waits on (or holds) the lock below.
    let board: StatusBoard
    let metrics: StatusMetrics
    let historyWriter: HistoryWriter
    /// When this run began (wall clock).
    let startedAt: Date
    /// Devices of the state file that were announced in an earlier run (not deleted then).
    let restoredIDs: Set<String>
    /// Monotonic time of the run: every presence decision counts from here (`Moment.elapsed`).
    let runStart: ContinuousClock.Instant
    /// This node's id in its household (`node_id`).
    let nodeID: String
    /// Woken when this node's household role changes (``LeaderSeat`` follows it).
    let roleChanged = WakeSignal()
    private let now: @Sendable () -> Date
    /// Seconds since the run began, monotonic; injected by tests.
    private let uptime: @Sendable () -> TimeInterval
    private let status: Mutex<BridgeStatus>

    /// `now` is the wall clock (labels only); `uptime`, when given, replaces the monotonic clock of the
    /// decisions (tests step it by hand).
    init(
        configuration: BridgeConfiguration, saved: StateStore.Saved, publisher: TopicPublisher, writer: StateFileWriter,
        history: PresenceHistory = PresenceHistory(), historyWriter: HistoryWriter, metrics: StatusMetrics = StatusMetrics(),
        logger: Logger, now: @escaping @Sendable () -> Date = { Date() }, uptime: (@Sendable () -> TimeInterval)? = nil
    ) {
        self.configuration = configuration
        self.topics = configuration.topics
        self.logger = logger
        self.publisher = publisher
        self.writer = writer
        self.now = now
        let runStart = ContinuousClock.now
        self.runStart = runStart
        self.uptime = uptime ?? { (ContinuousClock.now - runStart).timeInterval }
        restoredIDs = Set(saved.devices.filter { !$0.deleted }.map(\.id))
        self.historyWriter = historyWriter
        self.metrics = metrics
        let started = now()
        startedAt = started
        let engine = PresenceEngine(configuration: configuration.presenceConfiguration, devices: saved.devices)
        nodeID = configuration.nodeID
        let ownInfo = NodeInfo(
            node: configuration.nodeID, instance: String(UInt64.random(in: 1 ... .max), radix: 16), version: BridgeVersion.current,
            started_at: Timestamp.text(started), scan_targets: configuration.scan.allHosts,
            consider_home_seconds: configuration.scan.considerHome.timeInterval, discovery: configuration.homeAssistant.discovery,
            discovery_prefix: configuration.homeAssistant.discoveryPrefix)
        var history = history
        var states: [String: DeviceStatus.State] = [:]
        for device in engine.devices where !device.deleted {
            states[device.id] = DeviceStatus.State(device.state)
        }
        history.recordStart(at: started, states: states)
        var initial = BridgeStatus(
            engine: engine, mirror: DeviceMirror(lastSeenRefresh: configuration.mqtt.lastSeenRefresh),
            eventSequence: saved.eventSequence, history: history,
            household: HouseholdStatus(
                nodeID: configuration.nodeID, ownInfo: ownInfo, lastSeenRefresh: configuration.mqtt.lastSeenRefresh,
                restored: engine.devices))
        for entry in history.entries {
            if case .change(let id, _) = entry.event { initial.since[id] = entry.at }
        }
        board = StatusBoard(
            StatusSnapshot(
                generatedAt: started,
                bridge: BridgeHealth(
                    version: BridgeVersion.current, startedAt: started,
                    brokerConnected: false), devices: []))
        status = Mutex(initial)
        historyWriter.submit(history)
    }

    /// Now, as the engine counts it: monotonic since the run began, and the wall clock for labels.
    func moment() -> Moment {
        Moment(elapsed: uptime(), wall: now())
    }

    /// A monotonic moment of the engine (`Moment.elapsed`) on the continuous clock.
    func instant(at elapsed: Double) -> ContinuousClock.Instant {
        runStart + .milliseconds(Int((elapsed * 1000).rounded(.up)))
    }

    /// Reads or changes the state without publishing (scan bookkeeping, snapshots).
    func withStatus<T>(_ body: (inout BridgeStatus) -> T) -> T {
        status.withLock { body(&$0) }
    }

    /// Takes one engine step and publishes what it changed: arrival and departure events, the devices whose
    /// shown state moved, `bridge/info`, and the state file. With `onlyChanges`, a step that changed nothing
    /// publishes nothing at all (frequent steps such as frames heard between scans).
    /// `source` names what saw the arrivals of this step (`scan`, `re-probe`, `passive`) on the page and in
    /// the metrics.
    func step(source: String = "scan", onlyChanges: Bool = false, _ body: (inout BridgeStatus) -> [PresenceChange]) {
        status.withLock { status in
            let changes = body(&status)
            if onlyChanges, changes.isEmpty { return }
            publish(changes, source: source, in: &status)
        }
    }

    /// Publishes the current state (start, after a forget or a deletion) and saves it.
    func sync() {
        status.withLock { status in publish([], in: &status, routine: false) }
    }

    func publish(_ changes: [PresenceChange], source: String = "scan", in status: inout BridgeStatus, routine: Bool? = nil) {
        let wall = now()
        var departed = false
        for change in changes {
            switch change {
            case .arrived(let device):
                guard !device.deleted else { continue }
                logger.info("Device arrived", metadata: device.logMetadata)
                status.history.record(device.id, .home, at: wall)
                status.since[device.id] = wall
                status.lastSource[device.id] = source
                metrics.recordArrival(source: source)
            case .departed(let device):
                guard !device.deleted else { continue }
                logger.info("Device departed", metadata: device.logMetadata)
                departed = true
                status.history.record(device.id, .notHome, at: wall)
                status.since[device.id] = wall
                status.departures.insert(Departure(id: device.id, name: device.name, at: wall, reason: device.reason), at: 0)
                if status.departures.count > Self.departuresKept { status.departures.removeLast() }
                metrics.recordDeparture(source: "re-probe")
            case .updated(let device, let changed):
                logger.debug("Device updated", metadata: device.logMetadata.merging(["device.changed": "\(changed)"]) { $1 })
            }
        }
        let unchanged = publishDevices(in: &status)
        // A step that changed nothing a user notices is saved at most every few minutes (flash storage
        // wears): a stale last_seen after a crash costs nothing, since nobody departs before the first
        // complete scan of the next run and a failed re-probe.
        save(in: &status, unlessRecent: routine ?? unchanged && changes.isEmpty)
        if !changes.isEmpty { historyWriter.submit(status.history, flush: departed) }
        board.publish(snapshot(status, at: wall))
    }

    /// States this node's view on its node topics, merges it with the household's (``Household``), sends
    /// the events of the merged states' changes, and, when this node leads, the shared topics. Returns
    /// whether nothing a user would notice changed.
    @discardableResult
    func publishDevices(in status: inout BridgeStatus) -> Bool {
        let devices = status.engine.devices
        let unconfirmed = status.engine.unconfirmed
        let role = status.household.role
        var unchanged = true
        if role.isActive {
            let update = status.household.nodeMirror.update(devices, at: uptime())
            var stated: Set<String> = []
            for device in update.devices {
                stated.insert(device.id)
                publisher.retain(topics.nodeDevice(nodeID, device.id), Payloads.view(device, confirmed: !unconfirmed.contains(device.id)))
            }
            // A restored device seen again may change nothing but last_seen: its view still says it is confirmed now.
            for id in status.household.statedUnconfirmed.subtracting(unconfirmed).subtracting(stated) {
                if let device = status.engine.device(id), !device.deleted {
                    publisher.retain(topics.nodeDevice(nodeID, id), Payloads.view(device))
                }
            }
            status.household.statedUnconfirmed = unconfirmed
            unchanged = update.isEmpty
        }
        let merged = status.household.household.merged(own: devices, ownUnconfirmed: unconfirmed)
        for item in merged where !item.device.deleted {
            let state = item.device.state
            let before = status.household.shared.updateValue(state, forKey: item.device.id)
            guard before != state, before != nil || state == .home else { continue }
            let kind = state == .home ? "arrived" : "departed"
            switch role {
            case .leader:
                sendEvent(kind, item.device, in: &status)
            case .joining:
                status.household.pendingEvents.append((kind, item.device))
                if status.household.pendingEvents.count > HouseholdStatus.pendingEventLimit {
                    status.household.pendingEvents.removeFirst()
                }
            case .follower, .duplicate:
                break
            }
        }
        guard role == .leader else { return unchanged }
        let update = status.mirror.update(merged.map(\.device), at: uptime())
        var viewers: [String: [String]] = [:]
        for item in merged where status.household.announcedViewers[item.device.id] != item.viewers {
            viewers[item.device.id] = item.viewers
        }
        var announced: Set<String> = []
        for device in update.devices {
            announced.insert(device.id)
            announce(device, viewers: viewers[device.id] ?? status.household.announcedViewers[device.id] ?? [nodeID], in: &status)
            publisher.retain(topics.state(device.id), device.state.rawValue)
            publisher.retain(topics.attributes(device.id), Payloads.attributes(device))
        }
        for item in merged where !item.device.deleted && !announced.contains(item.device.id) {
            guard let list = viewers[item.device.id] else { continue }
            announce(item.device, viewers: list, in: &status)
        }
        if let list = update.list {
            publisher.retain(topics.devices, Payloads.devices(list))
        }
        publisher.retain(topics.bridgeInfo, Payloads.bridgeInfo(bridgeInfo(status, merged: merged)))
        return unchanged && update.isEmpty
    }

    /// The discovery config of a device, with the nodes whose liveness makes it available.
    private func announce(_ device: Device, viewers: [String], in status: inout BridgeStatus) {
        status.household.announcedViewers[device.id] = viewers
        guard configuration.homeAssistant.discovery else { return }
        publisher.retain(
            topics.discovery(device.id), DiscoveryPayload.device(device, viewers: viewers, topics: topics, version: BridgeVersion.current),
            priority: .discovery)
    }

    private func sendEvent(_ kind: String, _ device: Device, in status: inout BridgeStatus) {
        status.eventSequence += 1
        publisher.send(topics.events, Payloads.event(kind, device, seq: status.eventSequence))
    }

    /// How many departures the page lists.
    static let departuresKept = 20

    /// What the page shows now: plain values copied out of the state.
    private func snapshot(_ status: BridgeStatus, at wall: Date) -> StatusSnapshot {
        var devices: [DeviceStatus] = []
        for device in status.engine.devices where !device.deleted {
            devices.append(
                DeviceStatus(
                    id: device.id, name: device.name, state: DeviceStatus.State(device.state), since: status.since[device.id],
                    lastSeen: device.lastSeen, ip: device.ip, mac: device.mac, vendor: device.vendor, hostName: device.hostName,
                    lastSource: status.lastSource[device.id] ?? "scan", reason: device.reason))
        }
        let health = BridgeHealth(
            version: BridgeVersion.current, startedAt: startedAt, lastScanStart: status.lastScanStart,
            lastScanDuration: status.lastScanDuration,
            lastScanResult: status.engine.lastRound.flatMap { StatusPage.ScanResult(rawValue: $0.rawValue) },
            lastSuccessfulScanAt: status.lastSuccessfulScanAt, consecutiveFailures: status.engine.consecutiveFailures,
            consecutiveOutages: status.engine.consecutiveOutages, lastError: status.lastError, brokerConnected: status.brokerConnected,
            publishQueueDepth: publisher.backlog)
        return StatusSnapshot(
            generatedAt: wall, bridge: health, devices: devices,
            timeline: status.history.timeline(for: devices.map(\.id), now: wall), recentDepartures: status.departures)
    }

    /// A scan ended: the metrics count it, the history notes the bridge was watching.
    func scanned(_ round: ScanRoundResult, duration: Double) {
        let result = StatusPage.ScanResult(rawValue: round.rawValue) ?? .failed
        metrics.recordScan(result: result, duration: .milliseconds(Int((duration * 1000).rounded())))
        status.withLock { status in
            if result == .ok { status.lastSuccessfulScanAt = now() }
            status.history.markAlive(at: now())
            historyWriter.submit(status.history)
            board.publish(snapshot(status, at: now()))
        }
    }

    /// The broker connection came or went: `/healthz` and the page follow.
    func brokerConnection(_ connected: Bool) {
        status.withLock { status in
            status.brokerConnected = connected
            board.update { $0.bridge.brokerConnected = connected }
        }
    }

    /// The run ends: the history notes that the bridge stops watching, written at once.
    func stopped() {
        status.withLock { status in
            status.history.recordStop(at: now())
            historyWriter.submit(status.history, flush: true)
        }
    }

    /// Asks the writer to save the state now.
    func save() {
        status.withLock { save(in: &$0, unlessRecent: false) }
    }

    private func save(in status: inout BridgeStatus, unlessRecent: Bool) {
        let now = ContinuousClock.now
        if unlessRecent, let last = status.lastSaved, now - last < Self.routineSaveInterval { return }
        status.lastSaved = now
        writer.submit(StateStore.Saved(devices: status.engine.devices, eventSequence: status.eventSequence))
    }

    /// How often a state file that only gained fresher `last_seen` times is written.
    static let routineSaveInterval: Duration = .seconds(300)

    // MARK: - Devices leaving the bridge's care

    /// Clears what the broker holds for a device the bridge stops announcing: this node's view of it, and
    /// the shared topics when this node leads.
    func clearTopics(of id: String, keepingDiscovery: Bool = false, in status: inout BridgeStatus) {
        if status.household.role.isActive {
            publisher.clear(topics.nodeDevice(nodeID, id))
        }
        status.household.nodeMirror.remove(id)
        status.household.announcedViewers[id] = nil
        guard status.household.role == .leader else { return }
        if keepingDiscovery {
            publisher.drop(topics.discovery(id))
        } else {
            publisher.clear(topics.discovery(id))
        }
        publisher.clear(topics.state(id))
        publisher.clear(topics.attributes(id))
    }

    /// Devices of the state file that the configuration no longer tracks (`exclude_macs`, `track: false`,
    /// `track_new_devices: false`, removed from `devices`): clear what the broker still holds for them, so
    /// Home Assistant does not show them `home` forever.
    func clearUntracked() {
        status.withLock { status in
            for device in status.engine.untracked {
                logger.info("No longer tracked; clearing its retained topics", metadata: device.logMetadata)
                clearTopics(of: device.id, in: &status)
            }
        }
    }

    /// `nmap2mqtt forget` (or a forget request): the device is gone from the engine and the broker.
    func forget(_ id: String) -> Device? {
        status.withLock { status -> Device? in
            guard let device = status.engine.forget(id) else { return nil }
            status.mirror.remove(id)
            status.history.forget(id)
            status.since[id] = nil
            status.lastSource[id] = nil
            status.departures.removeAll { $0.id == id }
            status.household.household.forget(id)
            status.household.shared[id] = nil
            clearTopics(of: id, in: &status)
            publish([], in: &status, routine: false)
            return device
        }
    }

    /// Home Assistant cleared the discovery config of one of our devices: a user deleted it. It stays
    /// deleted (never announced again) until `nmap2mqtt forget`. Nil when the device is unknown or was
    /// deleted already.
    func markDeleted(_ id: String) -> Device? {
        status.withLock { status -> Device? in
            guard let device = status.engine.markDeleted(id) else { return nil }
            status.mirror.remove(id)
            clearTopics(of: id, keepingDiscovery: true, in: &status)
            publish([], in: &status, routine: false)
            return device
        }
    }

    /// The ids whose discovery config the broker should hold: devices not deleted that were announced in an
    /// earlier run or in this one.
    func announcedIDs() -> Set<String> {
        let ids = status.withLock { status in
            Set(status.engine.devices.filter { !$0.deleted }.map(\.id))
        }
        return ids.filter { restoredIDs.contains($0) || publisher.wasPublished(topics.discovery($0)) }
    }

    /// `online` and the bridge's own discovery config, retained (the leader's).
    func announceBridge() {
        publisher.retain(topics.bridgeState, "online", priority: .bridgeState)
        if configuration.homeAssistant.discovery {
            publisher.retain(topics.bridgeDiscovery, DiscoveryPayload.bridge(topics: topics, version: BridgeVersion.current), priority: .discovery)
        }
    }

    private func bridgeInfo(_ status: BridgeStatus, merged: [Household.MergedDevice]) -> Payloads.BridgeInfo {
        let devices = merged.lazy.map(\.device).filter { !$0.deleted }
        let household = status.household.household
        var nodes: [Payloads.NodeSummary] = []
        for node in household.allNodes {
            let view = node == nodeID ? status.engine.devices.filter { !$0.deleted } : Array(household.others[node]?.devices.values ?? [:].values)
            nodes.append(
                Payloads.NodeSummary(
                    node: node, online: node == nodeID || household.others[node]?.online == true, devices: view.count,
                    home: view.count { $0.state == .home }))
        }
        let targets = configuration.scan.effectiveTargets.enumerated().map { index, target in
            let rounds = status.engine.targets.indices.contains(index) ? status.engine.targets[index] : nil
            return Payloads.BridgeInfo.Target(
                name: target.name, hosts: target.hosts, interval_seconds: Self.seconds(target.interval),
                last_scan_start: status.targetScanStart[index].map(Timestamp.text),
                last_scan_duration_seconds: status.targetScanDuration[index].map { ($0 * 1000).rounded() / 1000 },
                last_scan_result: rounds?.lastRound?.rawValue, consecutive_failures: rounds?.consecutiveFailures ?? 0,
                consecutive_outages: rounds?.consecutiveOutages ?? 0)
        }
        return Payloads.BridgeInfo(
            version: BridgeVersion.current,
            scan_targets: configuration.scan.allHosts,
            scan_interval_seconds: targets.map(\.interval_seconds).min() ?? Self.seconds(configuration.scan.interval),
            last_scan_start: status.lastScanStart.map(Timestamp.text),
            last_scan_duration_seconds: status.lastScanDuration.map { ($0 * 1000).rounded() / 1000 },
            last_scan_ok: status.lastScanOK,
            last_scan_result: status.engine.lastRound?.rawValue,
            consecutive_outages: status.engine.consecutiveOutages,
            hosts_up: status.hostsUp,
            consecutive_failures: status.engine.consecutiveFailures,
            last_error: status.lastError,
            device_count: devices.count,
            devices_home: devices.count { $0.state == .home },
            node: nodeID, leader: household.leader, nodes: nodes, household_warnings: status.household.warnings,
            targets: targets)
    }

    /// Whole seconds, as `bridge/info` has always said the interval.
    private static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds)
    }
}

extension Device {
    var logMetadata: Logger.Metadata {
        [
            "device.id": "\(id)", "device.name": "\(name.logSafe)", "scan.host.ip": "\(ip)",
            "scan.host.mac": "\(mac ?? "-")", "device.reason": "\(reason.logSafe)",
        ]
    }
}

extension DeviceStatus.State {
    init(_ state: PresenceState) {
        self = state == .home ? .home : .notHome
    }
}
