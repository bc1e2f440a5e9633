import Foundation
import Logging
import Mosquitto
import NmapScanner
import Presence
import ServiceLifecycle
import Synchronization

/// The daemon: scans on schedule, decides presence, keeps the broker up to date, and answers
/// Home Assistant. Built from a ``BridgeConfiguration`` by tests and the executable alike.
///
/// Tasks (all children of `run()`, all ended by graceful shutdown):
/// - the presence loop: one nmap at a time, a new scan every `scan.interval_seconds` (a long scan
///   makes the next one wait), and between scans the re-probes and departures the engine asks for;
/// - the publisher: sends what changed, everything again after a reconnect;
/// - the connection and message followers: Home Assistant's birth, deletions, `forget` requests.
public final class BridgeService: Service, Sendable {
    public let configuration: BridgeConfiguration
    let logger: Logger
    let topics: Topics
    let client: MosquittoClient
    let scanner: NmapScanner
    let store: StateStore
    let publisher: TopicPublisher
    let status: Mutex<BridgeStatus>
    /// Monotonic time of the run: every presence decision counts from here (`Moment.elapsed`).
    let runStart = ContinuousClock.now
    /// Orders "snapshot the engine, then tell the publisher" against forget and deletion (no awaits inside).
    let syncOrder = Mutex(())
    /// Orders "snapshot the engine, then write the state file" between the loops (no awaits inside).
    let saveOrder = Mutex(())
    let now: @Sendable () -> Date
    /// Upper bound of the random delay before answering Home Assistant's `online`.
    let rediscoveryDelay: Duration
    /// Devices of the state file that were announced in an earlier run (not deleted then).
    let restoredIDs: Set<String>
    /// What the broker still holds of our discovery configs, checked on every connection.
    let audit = Mutex(DiscoveryAudit())
    let auditDone = WakeSignal()

    public init(configuration: BridgeConfiguration, logger: Logger, rediscoveryDelay: Duration = .seconds(5),
                now: @escaping @Sendable () -> Date = { Date() }) throws(BridgeError) {
        self.configuration = configuration
        self.logger = logger
        self.now = now
        self.rediscoveryDelay = rediscoveryDelay
        topics = configuration.topics
        do {
            scanner = try NmapScanner(configuration: configuration.scannerConfiguration, logger: logger)
        } catch {
            throw BridgeError("scan: \(error)")
        }
        do {
            client = try MosquittoClient(configuration: configuration.mqttConfiguration, logger: logger)
        } catch {
            throw BridgeError("mqtt: \(error)")
        }
        store = StateStore(path: configuration.stateFile, logger: logger)
        let devices: [Device]
        do {
            devices = try store.load()
        } catch {
            throw BridgeError("state_file: \(error)")
        }
        status = Mutex(BridgeStatus(engine: PresenceEngine(configuration: configuration.presenceConfiguration, devices: devices)))
        restoredIDs = Set(devices.filter { !$0.deleted }.map(\.id))
        publisher = TopicPublisher(logger: logger)
        if configuration.homeAssistant.discovery { publisher.holdDiscovery() }
    }

    public func run() async throws {
        logger.info("nmap2mqtt starting", metadata: [
            "bridge.version": "\(BridgeVersion.current)", "mqtt.broker": "\(client.configuration)",
            "scan.targets": "\(configuration.scan.hosts.joined(separator: " "))", "bridge.state_file": "\(configuration.stateFile)",
        ])
        announceBridge()
        clearUntracked()
        syncDevices()
        var failure: (any Error)?
        do {
            try await cancelWhenGracefulShutdown {
                try await withThrowingDiscardingTaskGroup { group in
                    group.addTask { await self.publisher.run(client: self.client) }
                    group.addTask { await self.followConnection() }
                    group.addTask { await self.followMessages() }
                    group.addTask { try await self.connectAndSubscribe() }
                    group.addTask { await self.presenceLoop() }
                }
            }
        } catch is CancellationError {
        } catch {
            failure = error
        }
        await stop()
        if let failure { throw failure }
    }

    /// Last words: the state file, what is still waiting to be published, `offline` (retained),
    /// and a clean DISCONNECT.
    /// Devices of the state file that the configuration no longer tracks (`exclude_macs`, `track: false`,
    /// `track_new_devices: false`, removed from `devices`): clear what the broker still holds for them, so
    /// Home Assistant does not show them `home` forever.
    private func clearUntracked() {
        let untracked = status.withLock { $0.engine.untracked }
        for device in untracked {
            logger.info("No longer tracked; clearing its retained topics", metadata: deviceMetadata(device))
            publisher.clear(topics.discovery(device.id))
            publisher.clear(topics.state(device.id))
            publisher.clear(topics.attributes(device.id))
        }
    }

    private func stop() async {
        save()
        if client.isConnected {
            await publisher.flush(through: client, within: .milliseconds(500))
            let client = client
            let topic = topics.bridgeState
            await withTimeout(.seconds(1)) {
                try? await client.publish(topic, "offline", qos: .atLeastOnce, retain: true)
            }
        }
        await client.disconnect()
        logger.info("nmap2mqtt stopped")
    }

    // MARK: - MQTT

    private func connectAndSubscribe() async throws {
        let connected: Result<Void, MosquittoError>
        do {
            try await client.connect()
            connected = .success(())
        } catch {
            connected = .failure(error)
        }
        if case .failure(let error) = connected {
            // Shut down before the broker could be reached: a clean end, not a failure.
            if error.code == .cancelled || error.code == .shutDown { return }
            guard error.isBrokerRejection || error.code == .tls else { throw error }
            throw BridgeError("mqtt: \(error.message); check mqtt.username, mqtt.password and mqtt.tls in the configuration")
        }
        var filters = [topics.forgetRequest]
        if configuration.homeAssistant.discovery {
            filters += [topics.homeAssistantStatus, topics.discoveryFilter]
        }
        for filter in filters {
            while !Task.isCancelled {
                do {
                    try await client.subscribe(filter)
                    break
                } catch let error where error.isBrokerRejection {
                    // Retrying will not change the broker's mind: say what is lost, once, and go on.
                    logger.error("The broker refused a subscription; allow this user to read it", metadata: [
                        "mqtt.filter": "\(filter)", "mqtt.error": "\(error)",
                        "bridge.consequence": "\(filter == topics.forgetRequest ? "forget requests to a running bridge are not seen" : "Home Assistant restarts and deletions are not seen")",
                    ])
                    break
                } catch {
                    logger.warning("Could not subscribe; trying again once connected", metadata: ["mqtt.filter": "\(filter)", "mqtt.error": "\(error)"])
                    try await Task.sleep(for: .seconds(1))
                    try? await client.connect()
                }
            }
        }
    }

    private func followConnection() async {
        for await event in client.events {
            switch event {
            case .connected:
                logger.info("Connected to the MQTT broker; publishing every state", metadata: ["mqtt.broker": "\(client.configuration)"])
                if configuration.homeAssistant.discovery { await auditDiscovery() }
                publisher.resendAll()
            case .disconnected(let reason, let expected):
                if configuration.homeAssistant.discovery { publisher.holdDiscovery() }
                if !expected {
                    logger.warning("Lost the MQTT broker; reconnecting", metadata: ["mqtt.reason": "\(reason)"])
                }
            case .connectFailed(let reason, let retryIn):
                logger.warning("Cannot reach the MQTT broker", metadata: ["mqtt.reason": "\(reason)", "mqtt.retry_in": "\(retryIn)"])
            }
        }
    }

    private func followMessages() async {
        for await message in client.messages {
            if message.topic == topics.homeAssistantStatus {
                guard message.string == "online" else { continue }
                // Home Assistant asks for a random delay so that bridges do not all answer at once.
                let delay = rediscoveryDelay == .zero ? .zero : Duration.milliseconds(Int.random(in: 0 ... Int(rediscoveryDelay / .milliseconds(1))))
                logger.info("Home Assistant came online; announcing every device again", metadata: ["bridge.delay": "\(delay)"])
                try? await Task.sleep(for: delay)
                publisher.resendAll()
            } else if message.topic == topics.forgetRequest {
                forget(message.string)
            } else if message.topic == topics.sync {
                if audit.withLock({ $0.synced(message.string) }) { auditDone.signal() }
            } else if let id = topics.deviceID(inDiscoveryTopic: message.topic) {
                if message.payload.isEmpty {
                    // Our own clear (forget, untracked) coming back is no deletion by a user.
                    if publisher.isOwnClear(message.topic) { continue }
                    deletedInHomeAssistant(id)
                } else if message.retain, message.string.contains("\"unique_id\":\"nmap2mqtt_\(id)\"") {
                    audit.withLock { $0.saw(id) }
                }
            }
        }
    }

    /// Finds the devices deleted in Home Assistant while the bridge was away (see ``DiscoveryAudit``), before
    /// their configs are announced again. Gives up after a few seconds: then nothing is marked deleted.
    private func auditDiscovery() async {
        let token = "{\"sync\":\"\(UInt64.random(in: 1 ... .max))\"}"
        audit.withLock { $0.begin(token: token) }
        defer { audit.withLock { $0.end() } }
        do {
            try await client.subscribe(topics.sync)
            try await client.subscribe(topics.discoveryFilter)
            try await client.publish(topics.sync, token, qos: .atLeastOnce, retain: false)
        } catch {
            logger.warning("Could not check which devices were deleted in Home Assistant while the bridge was away", metadata: ["mqtt.error": "\(error)"])
            return
        }
        await auditDone.wait(until: .now + .seconds(5))
        let (finished, present) = audit.withLock { ($0.finished, $0.present) }
        guard finished else {
            logger.warning("The broker did not return the bridge's sync message within 5 s; a device deleted in Home Assistant while the bridge was away may come back")
            return
        }
        let announced = status.withLock { status in
            Set(status.engine.devices.filter { !$0.deleted }.map(\.id))
        }.filter { restoredIDs.contains($0) || publisher.wasPublished(topics.discovery($0)) }
        for id in DiscoveryAudit.deletedWhileAway(announced: announced, present: present) {
            logger.info("Its discovery config is gone from the broker: deleted in Home Assistant while the bridge was away", metadata: ["device.id": "\(id)"])
            deletedInHomeAssistant(id)
        }
    }

    /// Home Assistant cleared the discovery config of one of our devices: a user deleted it.
    /// It stays deleted (never announced again) until `nmap2mqtt forget`.
    private func deletedInHomeAssistant(_ id: String) {
        let deleted = syncOrder.withLock { _ -> Device? in
            guard let device = status.withLock({ $0.engine.markDeleted(id) }) else { return nil }
            publisher.drop(topics.discovery(id))
            publisher.clear(topics.state(id))
            publisher.clear(topics.attributes(id))
            return device
        }
        guard let device = deleted else { return }
        logger.info("A device was deleted in Home Assistant; it will not be announced again", metadata: [
            "device.id": "\(id)", "device.name": "\(device.name.logSafe)",
        ])
        syncDevices()
        save()
    }

    private func forget(_ text: String) {
        guard let id = DeviceID.from(text.trimmingCharacters(in: .whitespacesAndNewlines)) else {
            logger.warning("Ignored a forget request: not a MAC address or device id", metadata: ["bridge.request": "\(String(text.prefix(64)).logSafe)"])
            return
        }
        let forgotten = syncOrder.withLock { _ -> Device? in
            guard let device = status.withLock({ $0.engine.forget(id) }) else { return nil }
            publisher.clear(topics.discovery(id))
            publisher.clear(topics.state(id))
            publisher.clear(topics.attributes(id))
            return device
        }
        guard let device = forgotten else {
            logger.info("Forget request for a device the bridge does not know", metadata: ["device.id": "\(id)"])
            return
        }
        logger.info("Forgot a device", metadata: ["device.id": "\(id)", "device.name": "\(device.name.logSafe)"])
        syncDevices()
        save()
    }

    // MARK: - Scanning and deciding

    /// Now, as the engine counts it: monotonic since the run began, and the wall clock for labels.
    func moment() -> Moment {
        Moment(elapsed: (ContinuousClock.now - runStart).timeInterval, wall: now())
    }

    /// One nmap at a time: a scan every interval and, between scans, what the engine asks for.
    private func presenceLoop() async {
        let interval = configuration.scan.interval
        var nextScan = ContinuousClock.now
        while !Task.isCancelled {
            let plan = status.withLock { $0.engine.next(at: moment()) }
            publish(plan.changes)
            if !plan.probes.isEmpty {
                await reprobe(plan.probes)
                continue
            }
            if ContinuousClock.now >= nextScan {
                let started = moment()
                let exclude = status.withLock { $0.engine.excludedAddresses(at: started) }
                let report = await scanner.scan(alsoExclude: exclude)
                if Task.isCancelled { break }
                apply(report, startedAt: started)
                nextScan = max(nextScan + interval, ContinuousClock.now)
                continue
            }
            var wake = nextScan
            if let at = plan.wakeAt { wake = min(wake, runStart + .milliseconds(Int((at * 1000).rounded(.up)))) }
            try? await Task.sleep(until: wake, clock: .continuous)
        }
    }

    func apply(_ report: ScanReport, startedAt started: Moment) {
        let changes: [PresenceChange]
        switch report {
        case .complete(let result):
            var sightings: [Sighting] = []
            var newWithoutMAC: [ScanHost] = []
            for host in result.hosts {
                sightings.append(Sighting(mac: host.mac, ip: host.address, hostName: host.hostName, vendor: host.vendor,
                                          reason: host.reason, randomizedMAC: host.randomizedMAC))
                if host.mac == nil { newWithoutMAC.append(host) }
            }
            let ended = moment()
            let (applied, round, silentBefore, silent) = status.withLock { status in
                newWithoutMAC.removeAll { !status.loggedWithoutMAC.insert($0.address).inserted }
                status.lastScanStart = started.wall
                status.lastScanDuration = ended.elapsed - started.elapsed
                status.hostsUp = result.hosts.count
                let silentBefore = status.engine.consecutiveOutages
                let changes = status.engine.apply(.complete(sightings), startedAt: started, at: ended)
                status.lastScanOK = status.engine.lastRound == .ok
                return (changes, status.engine.lastRound, silentBefore, status.engine.consecutiveOutages)
            }
            changes = applied
            if round == .outage, silent == 1 || silent % 25 == 0 {
                logger.warning(
                    "No host answered the scan: the network looks down (a switch or access point restarting?), not an empty house; no device changes state until hosts answer again",
                    metadata: ["scan.consecutive_outages": "\(silent)", "scan.targets": "\(configuration.scan.hosts.joined(separator: " "))"])
            } else if round == .ok, silentBefore > 0 {
                logger.info("Hosts answer the scan again; the network is back", metadata: ["scan.silent_scans": "\(silentBefore)"])
            }
            for host in newWithoutMAC where !configuration.trackWithoutMAC {
                logger.info("Host is up but its MAC is unknown (routed, VPN, or this machine); not tracked. Set track_without_mac: true to track it by IP",
                            metadata: ["scan.host.ip": "\(host.address)", "scan.host.reason": "\(host.reason)"])
            }
            logger.debug("Scan complete", metadata: ["scan.hosts_up": "\(result.hosts.count)", "scan.duration": "\(result.finishedAt.timeIntervalSince(started.wall))"])
        case .failed(let failure):
            if failure.kind == .cancelled { return }
            let ended = moment()
            let failures = status.withLock { status in
                status.lastScanStart = started.wall
                status.lastScanDuration = ended.elapsed - started.elapsed
                status.lastScanOK = false
                status.lastError = failure.description
                _ = status.engine.apply(.failed(reason: failure.description), startedAt: started, at: ended)
                return status.engine.consecutiveFailures
            }
            logger.error("Scan failed; no device changes state until a scan succeeds", metadata: [
                "scan.error": "\(failure.description)", "scan.consecutive_failures": "\(failures)",
            ])
            changes = []
        }
        publish(changes)
    }

    /// Re-probes the devices whose departure falls due, a few at a time, and decides each as its answer comes.
    private func reprobe(_ requests: [ProbeRequest]) async {
        var pending = requests[...]
        while !pending.isEmpty, !Task.isCancelled {
            let batch = pending.prefix(Self.parallelProbes)
            pending = pending.dropFirst(batch.count)
            await withTaskGroup(of: (ProbeRequest, ProbeResult).self) { group in
                for request in batch {
                    group.addTask { (request, await self.probe(request)) }
                }
                for await (request, result) in group where !Task.isCancelled {
                    let changes = status.withLock { $0.engine.resolve(request, result, at: moment()) }
                    publish(changes)
                }
            }
        }
    }

    /// How many re-probes run at once (each is one nmap on one address and its witnesses).
    static let parallelProbes = 4

    /// The re-probe before a departure: a wake-up for a dozing phone, then up to three pings of its
    /// address together with witnesses (``NmapScanner/probe(address:witnesses:)``).
    private func probe(_ request: ProbeRequest) async -> ProbeResult {
        switch await scanner.probe(address: request.address, witnesses: request.witnesses) {
        case .answered(let mac):
            return .answered(mac: mac)
        case .noAnswer:
            return .noAnswer
        case .unwitnessed:
            let reason = "neither \(request.address) nor any witness (\(request.witnesses.joined(separator: ", "))) answered: the network looks down"
            logger.warning("Re-probe got no answer from anyone; the device stays as it is until the network answers", metadata: [
                "scan.host.ip": "\(request.address)", "scan.witnesses": "\(request.witnesses.joined(separator: " "))",
            ])
            return .failed(reason: reason)
        case .failed(let failure):
            logger.warning("Re-probe failed; the device stays as it is until nmap works", metadata: [
                "scan.host.ip": "\(request.address)", "scan.error": "\(failure.description)",
            ])
            return .failed(reason: failure.description)
        }
    }

    // MARK: - Publishing

    private func publish(_ changes: [PresenceChange]) {
        for change in changes {
            switch change {
            case .arrived(let device):
                guard !device.deleted else { continue }
                logger.info("Device arrived", metadata: deviceMetadata(device))
                publisher.send(topics.events, Payloads.event("arrived", device))
            case .departed(let device):
                guard !device.deleted else { continue }
                logger.info("Device departed", metadata: deviceMetadata(device))
                publisher.send(topics.events, Payloads.event("departed", device))
            case .updated(let device, let changed):
                logger.debug("Device updated", metadata: deviceMetadata(device).merging(["device.changed": "\(changed)"]) { $1 })
            }
        }
        syncDevices()
        // A scan that only refreshed last_seen is saved at most every few minutes (flash storage
        // wears): a stale last_seen after a crash costs nothing, since nobody departs before the
        // first complete scan of the next run and a failed re-probe.
        save(unlessRecent: changes.isEmpty)
    }

    private func deviceMetadata(_ device: Device) -> Logger.Metadata {
        ["device.id": "\(device.id)", "device.name": "\(device.name.logSafe)", "scan.host.ip": "\(device.ip)",
         "scan.host.mac": "\(device.mac ?? "-")", "device.reason": "\(device.reason.logSafe)"]
    }

    private func announceBridge() {
        publisher.retain(topics.bridgeState, "online", priority: .bridgeState)
        if configuration.homeAssistant.discovery {
            publisher.retain(topics.bridgeDiscovery, DiscoveryPayload.bridge(topics: topics, version: BridgeVersion.current), priority: .discovery)
        }
    }

    /// States what the broker should hold for every device; the publisher sends what differs.
    /// Snapshot and statements happen in `syncOrder`, so a snapshot taken before a `forget` can never
    /// re-announce the device after the forget cleared it.
    func syncDevices() {
        syncOrder.withLock { _ in syncDevicesInOrder() }
    }

    private func syncDevicesInOrder() {
        let (devices, info) = status.withLock { status in
            (status.engine.devices, bridgeInfo(status))
        }
        var listed: [Device] = []
        for device in devices where !device.deleted {
            listed.append(device)
            if configuration.homeAssistant.discovery {
                publisher.retain(topics.discovery(device.id), DiscoveryPayload.device(device, topics: topics, version: BridgeVersion.current),
                                 priority: .discovery)
            }
            publisher.retain(topics.state(device.id), device.state.rawValue)
            publisher.retain(topics.attributes(device.id), Payloads.attributes(device))
        }
        publisher.retain(topics.devices, Payloads.devices(listed))
        publisher.retain(topics.bridgeInfo, Payloads.bridgeInfo(info))
    }

    private func bridgeInfo(_ status: BridgeStatus) -> Payloads.BridgeInfo {
        let devices = status.engine.devices.filter { !$0.deleted }
        return Payloads.BridgeInfo(
            version: BridgeVersion.current,
            scan_targets: configuration.scan.hosts,
            scan_interval_seconds: Double(configuration.scan.interval.components.seconds),
            last_scan_start: status.lastScanStart.map(Timestamp.text),
            last_scan_duration_seconds: status.lastScanDuration.map { ($0 * 1000).rounded() / 1000 },
            last_scan_ok: status.lastScanOK,
            last_scan_result: status.engine.lastRound?.rawValue,
            consecutive_outages: status.engine.consecutiveOutages,
            hosts_up: status.hostsUp,
            consecutive_failures: status.engine.consecutiveFailures,
            last_error: status.lastError,
            device_count: devices.count,
            devices_home: devices.count { $0.state == .home })
    }

    /// Writes the state file. The snapshot is taken inside `saveOrder`, so two saves from different
    /// loops land in the order of their snapshots: an older one can never overwrite a newer one.
    private func save(unlessRecent: Bool = false) {
        saveOrder.withLock { _ in
            let now = ContinuousClock.now
            let devices = status.withLock { status -> [Device]? in
                if unlessRecent, let last = status.lastSaved, now - last < Self.routineSaveInterval { return nil }
                status.lastSaved = now
                return status.engine.devices
            }
            guard let devices else { return }
            _ = store.save(devices)
        }
    }

    /// How often a state file that only gained fresher `last_seen` times is written.
    static let routineSaveInterval: Duration = .seconds(300)
}

/// Runs `operation`, giving up on it (cancelling it) after `timeout`.
func withTimeout(_ timeout: Duration, _ operation: @escaping @Sendable () async -> Void) async {
    await withTaskGroup(of: Void.self) { group in
        group.addTask { await operation() }
        group.addTask { try? await Task.sleep(for: timeout) }
        await group.next()
        group.cancelAll()
    }
}
