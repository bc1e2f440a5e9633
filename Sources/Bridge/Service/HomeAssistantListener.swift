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
