import Logging
import Mosquitto
import Presence

/// `nmap2mqtt forget`: stops tracking a device and clears what the broker holds for it.
///
/// Works whether or not the daemon runs: the state file loses the device, and a request on
/// `<base>/bridge/request/forget` tells a running daemon to forget it too (sent first, so the
/// daemon does not take the cleared discovery config for a deletion made in Home Assistant).
public enum DeviceForgetter {
    public struct Outcome: Sendable {
        public var id: String
        public var removedFromStateFile: Bool
    }

    public static func forget(_ text: String, configuration: BridgeConfiguration, logger: Logger) async throws -> Outcome {
        guard let id = DeviceID.from(text) else {
            throw BridgeError(
                "\"\(text)\" is not a MAC address or device id; expected e.g. aa:bb:cc:dd:ee:ff, or ip_192_0_2_5 for a device tracked by IP")
        }
        let (store, saved) = try configuration.loadState(logger: logger)
        let remaining = saved.devices.filter { $0.id != id }
        let removed = remaining.count != saved.devices.count
        if removed, !store.save(remaining, eventSequence: saved.eventSequence) {
            throw BridgeError("state_file: could not write \(configuration.stateFile); see the log above")
        }

        let topics = configuration.topics
        var mqtt = configuration.mqttConfiguration
        mqtt.clientID += "-forget"
        mqtt.will = nil
        mqtt.maximumReconnectDelay = .seconds(2)
        let client: MosquittoClient
        do {
            client = try MosquittoClient(configuration: mqtt, logger: logger)
        } catch {
            throw BridgeError("mqtt: \(error)")
        }
        do {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    try await client.connect()
                    try await client.publish(topics.forgetRequest, id, qos: .atLeastOnce, retain: false)
                    // A running bridge clears the topics itself, in order with its own publishing; a
                    // clear from here could land after it announced the device again and read as a
                    // deletion made in Home Assistant.
                    guard try await !bridgeIsOnline(client, topics) else { return }
                    let nodeView = topics.nodeDevice(configuration.nodeID, id)
                    for topic in [topics.discovery(id), topics.state(id), topics.attributes(id), nodeView] {
                        try await client.publish(topic, payload: [], qos: .atLeastOnce, retain: true)
                    }
                }
                let broker = "\(mqtt.host):\(mqtt.port)"
                group.addTask {
                    try await Task.sleep(for: .seconds(10))
                    throw BridgeError("mqtt: could not reach the broker at \(broker) within 10 s; the device's retained topics were not cleared")
                }
                try await group.next()
                group.cancelAll()
            }
        } catch {
            await client.disconnect()
            throw error
        }
        await client.disconnect()
        return Outcome(id: id, removedFromStateFile: removed)
    }

    /// Whether the broker holds `online` for the bridge (read from its retained state, for at most a second).
    private static func bridgeIsOnline(_ client: MosquittoClient, _ topics: Topics) async throws -> Bool {
        try await client.subscribe(topics.bridgeState)
        return await withTaskGroup(of: Bool?.self) { group in
            group.addTask {
                for await message in client.messages where message.topic == topics.bridgeState {
                    return message.string == "online"
                }
                return false
            }
            group.addTask {
                try? await Task.sleep(for: .seconds(1))
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first ?? false
        }
    }
}
