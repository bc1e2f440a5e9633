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
/// - the scan loop: one nmap at a time, a new scan every `scan.interval_seconds` (a long scan
///   makes the next one wait);
/// - the decision loop: sleeps until the next departure falls due, re-probes, decides;
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
    let decisions = WakeSignal()
    /// Orders "snapshot the engine, then tell the publisher" against forget and deletion (no awaits inside).
    let syncOrder = Mutex(())
    /// Orders "snapshot the engine, then write the state file" between the loops (no awaits inside).
    let saveOrder = Mutex(())
    let now: @Sendable () -> Date
    /// Upper bound of the random delay before answering Home Assistant's `online`.
    let rediscoveryDelay: Duration

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
        publisher = TopicPublisher(logger: logger)
    }

    public func run() async throws {
        logger.info("nmap2mqtt starting", metadata: [
            "bridge.version": "\(BridgeVersion.current)", "mqtt.broker": "\(client.configuration)",
            "scan.targets": "\(configuration.scan.hosts.joined(separator: " "))", "bridge.state_file": "\(configuration.stateFile)",
        ])
        announceBridge()
        syncDevices()
        var failure: (any Error)?
        do {
            try await cancelWhenGracefulShutdown {
                try await withThrowingDiscardingTaskGroup { group in
                    group.addTask { await self.publisher.run(client: self.client) }
                    group.addTask { await self.followConnection() }
                    group.addTask { await self.followMessages() }
                    group.addTask { try await self.connectAndSubscribe() }
                    group.addTask { await self.scanLoop() }
                    group.addTask { await self.decisionLoop() }
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
                publisher.resendAll()
            case .disconnected(let reason, let expected):
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
            } else if let id = topics.deviceID(inDiscoveryTopic: message.topic), message.payload.isEmpty {
                deletedInHomeAssistant(id)
            }
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

    private func scanLoop() async {
        let interval = configuration.scan.interval
        var nextStart = ContinuousClock.now
        while !Task.isCancelled {
            let started = now()
            let exclude = status.withLock { $0.engine.excludedAddresses(at: started) }
            let report = await scanner.scan(alsoExclude: exclude)
            if Task.isCancelled { break }
            apply(report, startedAt: started)
            nextStart = max(nextStart + interval, ContinuousClock.now)
            try? await Task.sleep(until: nextStart, clock: .continuous)
        }
    }

    func apply(_ report: ScanReport, startedAt: Date) {
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
            changes = status.withLock { status in
                newWithoutMAC.removeAll { !status.loggedWithoutMAC.insert($0.address).inserted }
                status.lastScanStart = startedAt
                status.lastScanDuration = result.finishedAt.timeIntervalSince(startedAt)
                status.lastScanOK = true
                status.hostsUp = result.hosts.count
                return status.engine.apply(.complete(sightings), at: result.finishedAt)
            }
            for host in newWithoutMAC where !configuration.trackWithoutMAC {
                logger.info("Host is up but its MAC is unknown (routed, VPN, or this machine); not tracked. Set track_without_mac: true to track it by IP",
                            metadata: ["scan.host.ip": "\(host.address)", "scan.host.reason": "\(host.reason)"])
            }
            logger.debug("Scan complete", metadata: ["scan.hosts_up": "\(result.hosts.count)", "scan.duration": "\(result.finishedAt.timeIntervalSince(startedAt))"])
        case .failed(let failure):
            if failure.kind == .cancelled { return }
            let failures = status.withLock { status in
                status.lastScanStart = startedAt
                status.lastScanDuration = now().timeIntervalSince(startedAt)
                status.lastScanOK = false
                status.lastError = failure.description
                _ = status.engine.apply(.failed(reason: failure.description), at: now())
                return status.engine.consecutiveFailures
            }
            logger.error("Scan failed; no device changes state until a scan succeeds", metadata: [
                "scan.error": "\(failure.description)", "scan.consecutive_failures": "\(failures)",
            ])
            changes = []
        }
        publish(changes)
        decisions.signal()
    }

    private func decisionLoop() async {
        while !Task.isCancelled {
            let due = status.withLock { $0.engine.nextDecision() }
            guard let due else {
                await decisions.wait(until: nil)
                continue
            }
            let wait = due.timeIntervalSince(now())
            if wait > 0 {
                await decisions.wait(until: .now + .milliseconds(Int((wait * 1000).rounded(.up))))
                continue
            }
            let requests = status.withLock { $0.engine.probesDue(at: now()) }
            if requests.isEmpty {
                // Due, but no complete scan has looked for it since it was last seen: wait for one.
                await decisions.wait(until: nil)
                continue
            }
            // A failed probe leaves its device out of nextDecision and probesDue until the next
            // complete scan, so the loop goes straight on to the next device that falls due.
            for request in requests {
                let result = await probe(request)
                if Task.isCancelled { return }
                let changes = status.withLock { $0.engine.resolve(request, result, at: now()) }
                publish(changes)
            }
        }
    }

    /// The re-probe before a departure: nmap on that one address.
    private func probe(_ request: ProbeRequest) async -> ProbeResult {
        switch await scanner.probe(address: request.address) {
        case .complete(let result):
            guard let host = result.hosts.first(where: { $0.address == request.address }) else { return .noAnswer }
            return .answered(mac: host.mac)
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
