import Foundation
import Logging
import Mosquitto
import Presence
import ServiceLifecycle
import StatusPage
import Synchronization

/// Answers what arrives from the broker: Home Assistant's birth (`online`: announce everything again),
/// deletions of our discovery configs in Home Assistant, `nmap2mqtt forget` requests, and the bridge's own
/// sync token of ``DiscoveryAudit``.
final class HomeAssistantListener: Service, Sendable {
    private let state: BridgeState
    private let client: MosquittoClient
    private let logger: Logger
    /// Upper bound of the random delay before answering Home Assistant's `online`.
    private let rediscoveryDelay: Duration
    /// What the broker still holds of our discovery configs, checked on every connection.
    private let audit = Mutex(DiscoveryAudit())
    private let auditDone = WakeSignal()
    /// The token the household join waits for (nil when none runs), and whether it came back.
    private let join = Mutex<(token: String?, done: Bool)>((nil, false))
    private let joinDone = WakeSignal()
    private var topics: Topics { state.topics }

    init(state: BridgeState, client: MosquittoClient, rediscoveryDelay: Duration, logger: Logger) {
        self.state = state
        self.client = client
        self.rediscoveryDelay = rediscoveryDelay
        self.logger = logger
    }

    func run() async {
        await cancelWhenGracefulShutdown {
            for await message in self.client.messages {
                await self.handle(message)
            }
        }
    }

    private func handle(_ message: MQTTMessage) async {
        if message.topic == topics.homeAssistantStatus {
            guard message.string == "online" else { return }
            // Home Assistant asks for a random delay so that bridges do not all answer at once.
            let delay = rediscoveryDelay == .zero ? .zero : Duration.milliseconds(Int.random(in: 0...Int(rediscoveryDelay / .milliseconds(1))))
            logger.info("Home Assistant came online; announcing every device again", metadata: ["bridge.delay": "\(delay)"])
            try? await Task.sleep(for: delay)
            state.publisher.resendAll()
        } else if let nodeTopic = topics.nodeTopic(message.topic) {
            if case .sync(let node) = nodeTopic {
                guard node == state.nodeID else { return }
                let text = message.string
                let matched = join.withLock { join -> Bool in
                    guard let token = join.token, token == text else { return false }
                    join.done = true
                    return true
                }
                if matched { joinDone.signal() }
                return
            }
            state.householdMessage(nodeTopic, payload: message.payload)
        } else if message.topic == topics.bridgeState {
            state.bridgeStateArrived(message.payload)
        } else if message.topic == topics.forgetRequest {
            forget(message.string)
        } else if message.topic == topics.sync {
            if audit.withLock({ $0.synced(message.string) }) { auditDone.signal() }
        } else if let id = topics.deviceID(inDiscoveryTopic: message.topic) {
            if message.payload.isEmpty {
                // Our own clear (forget, untracked) coming back is no deletion by a user.
                if state.publisher.isOwnClear(message.topic) { return }
                deletedInHomeAssistant(id)
            } else if message.retain, message.string.contains("\"unique_id\":\"nmap2mqtt_\(id)\"") {
                audit.withLock { $0.saw(id) }
            }
        }
    }

    /// Reads what the household's nodes hold on the broker (their state, info and views), then lets the
    /// state take its role (``BridgeState/joined()``): the token sent to this node's sync topic comes back
    /// after every retained message of the subscriptions before it. Gives up waiting after a few seconds
    /// and acts on what arrived.
    func joinHousehold() async {
        let token = "{\"join\":\"\(UInt64.random(in: 1 ... .max))\"}"
        join.withLock { $0 = (token, false) }
        defer {
            join.withLock { $0.token = nil }
            state.joined()
        }
        do {
            for filter in topics.nodeFilters + [topics.nodeSync(state.nodeID), topics.bridgeState] {
                try await client.subscribe(filter)
            }
            try await client.publish(topics.nodeSync(state.nodeID), token, qos: .atLeastOnce, retain: false)
        } catch {
            logger.warning(
                "Could not read the household's node topics; this node acts as if it were alone until it can",
                metadata: ["mqtt.error": "\(error)"])
            return
        }
        let deadline = ContinuousClock.now + .seconds(5)
        while !join.withLock({ $0.done }), ContinuousClock.now < deadline, !Task.isCancelled {
            await joinDone.wait(until: deadline)
        }
        if !join.withLock({ $0.done }) {
            logger.warning("The broker did not return the household join's sync message within 5 s; acting on the node topics that arrived")
        }
    }

    /// Finds the devices deleted in Home Assistant while the bridge was away (see ``DiscoveryAudit``), before
    /// their configs are announced again. Gives up after a few seconds: then nothing is marked deleted.
    func auditDiscovery() async {
        let token = "{\"sync\":\"\(UInt64.random(in: 1 ... .max))\"}"
        audit.withLock { $0.begin(token: token) }
        defer { audit.withLock { $0.end() } }
        do {
            try await client.subscribe(topics.sync)
            try await client.subscribe(topics.discoveryFilter)
            try await client.publish(topics.sync, token, qos: .atLeastOnce, retain: false)
        } catch {
            logger.warning(
                "Could not check which devices were deleted in Home Assistant while the bridge was away", metadata: ["mqtt.error": "\(error)"])
            return
        }
        await auditDone.wait(until: .now + .seconds(5))
        let (finished, present) = audit.withLock { ($0.finished, $0.present) }
        guard finished else {
            logger.warning(
                "The broker did not return the bridge's sync message within 5 s; a device deleted in Home Assistant while the bridge was away may come back"
            )
            return
        }
        for id in DiscoveryAudit.deletedWhileAway(announced: state.announcedIDs(), present: present) {
            logger.info(
                "Its discovery config is gone from the broker: deleted in Home Assistant while the bridge was away", metadata: ["device.id": "\(id)"])
            deletedInHomeAssistant(id)
        }
    }

    /// Home Assistant cleared the discovery config of one of our devices: a user deleted it.
    private func deletedInHomeAssistant(_ id: String) {
        guard let device = state.markDeleted(id) else { return }
        logger.info(
            "A device was deleted in Home Assistant; it will not be announced again",
            metadata: [
                "device.id": "\(id)", "device.name": "\(device.name.logSafe)",
            ])
    }

    private func forget(_ text: String) {
        guard let id = DeviceID.from(text.trimmingCharacters(in: .whitespacesAndNewlines)) else {
            logger.warning(
                "Ignored a forget request: not a MAC address or device id", metadata: ["bridge.request": "\(String(text.prefix(64)).logSafe)"])
            return
        }
        guard let device = state.forget(id) else {
            logger.info("Forget request for a device the bridge does not know", metadata: ["device.id": "\(id)"])
            return
        }
        logger.info("Forgot a device", metadata: ["device.id": "\(id)", "device.name": "\(device.name.logSafe)"])
    }
}
