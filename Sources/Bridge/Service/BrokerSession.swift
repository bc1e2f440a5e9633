import Logging
import Mosquitto
import ServiceLifecycle

/// The bridge's connection to the broker: connects (libmosquitto reconnects by itself afterwards),
/// subscribes to what the bridge listens to, and on every (re)connection checks which discovery configs
/// were deleted while it was away before the publisher sends everything again. Disconnects cleanly at the
/// end: in the service group it stops last, after the publisher's last words.
///
/// A broker that refuses the bridge's credentials or TLS ends the run with an error that says what to
/// check; a broker that cannot be reached is retried for as long as the bridge runs.
final class BrokerSession: Service, Sendable {
    private let state: BridgeState
    private let client: MosquittoClient
    private let listener: HomeAssistantListener
    private let logger: Logger
    private var topics: Topics { state.topics }
    private var discovery: Bool { state.configuration.homeAssistant.discovery }

    init(state: BridgeState, client: MosquittoClient, listener: HomeAssistantListener, logger: Logger) {
        self.state = state
        self.client = client
        self.listener = listener
        self.logger = logger
    }

    func run() async throws {
        do {
            try await cancelWhenGracefulShutdown {
                try await withThrowingDiscardingTaskGroup { group in
                    group.addTask { await self.followConnection() }
                    group.addTask { try await self.connectAndSubscribe() }
                }
            }
        } catch is CancellationError {
        } catch {
            await client.disconnect()
            throw error
        }
        await client.disconnect()
    }

    private func connectAndSubscribe() async throws {
        do {
            try await client.connect()
        } catch {
            // Shut down before the broker could be reached: a clean end, not a failure.
            if error.code == .cancelled || error.code == .shutDown { return }
            guard error.isBrokerRejection || error.code == .tls else { throw error }
            throw BridgeError("mqtt: \(error.message); check mqtt.username, mqtt.password and mqtt.tls in the configuration")
        }
        var filters = [topics.forgetRequest]
        if discovery {
            filters += [topics.homeAssistantStatus, topics.discoveryFilter]
        }
        for filter in filters {
            while !Task.isCancelled {
                do {
                    try await client.subscribe(filter)
                    break
                } catch let error where error.isBrokerRejection {
                    // Retrying will not change the broker's mind: say what is lost, once, and go on.
                    logger.error(
                        "The broker refused a subscription; allow this user to read it",
                        metadata: [
                            "mqtt.filter": "\(filter)", "mqtt.error": "\(error)",
                            "bridge.consequence":
                                "\(filter == topics.forgetRequest ? "forget requests to a running bridge are not seen" : "Home Assistant restarts and deletions are not seen")",
                        ])
                    break
                } catch {
                    logger.warning(
                        "Could not subscribe; trying again once connected", metadata: ["mqtt.filter": "\(filter)", "mqtt.error": "\(error)"])
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
                state.brokerConnection(true)
                await listener.joinHousehold()
                if discovery, state.role == .leader { await listener.auditDiscovery() }
                state.publisher.resendAll()
            case .disconnected(let reason, let expected):
                state.brokerConnection(false)
                if discovery { state.publisher.holdDiscovery() }
                if !expected {
                    logger.warning("Lost the MQTT broker; reconnecting", metadata: ["mqtt.reason": "\(reason)"])
                }
            case .connectFailed(let reason, let retryIn):
                logger.warning("Cannot reach the MQTT broker", metadata: ["mqtt.reason": "\(reason)", "mqtt.retry_in": "\(retryIn)"])
            }
        }
    }
}
