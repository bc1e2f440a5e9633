import Logging
import Mosquitto
import TestSupport

extension MosquittoBroker {
    /// A configuration for this broker: a unique client id and a fast reconnect (100 ms doubling
    /// to at most 400 ms) so that reconnect tests stay quick.
    func configuration(_ name: String, protocolVersion: MQTTProtocolVersion = .v5) -> MQTTConfiguration {
        MQTTConfiguration(
            host: host, port: port, clientID: Unique.clientID(name), protocolVersion: protocolVersion,
            minimumReconnectDelay: .milliseconds(100), maximumReconnectDelay: .milliseconds(400))
    }

    /// A client connected to this broker (the connection must be up within 10 s).
    func connectedClient(
        _ name: String, protocolVersion: MQTTProtocolVersion = .v5,
        _ adjust: (inout MQTTConfiguration) -> Void = { _ in }
    ) async throws -> MosquittoClient {
        var configuration = configuration(name, protocolVersion: protocolVersion)
        adjust(&configuration)
        return try await MosquittoClient.connected(configuration, name)
    }

    /// A connected client subscribed to `filter`, and the inbox its messages arrive in.
    func subscriber(
        _ name: String, to filter: String, qos: MQTTQoS = .exactlyOnce,
        protocolVersion: MQTTProtocolVersion = .v5
    ) async throws -> (MosquittoClient, Inbox<MQTTMessage>) {
        let client = try await connectedClient(name, protocolVersion: protocolVersion)
        let inbox = Inbox(client.messages)
        try await withTimeout(.seconds(30), "the broker to grant the subscription to \(filter)") {
            try await client.subscribe(filter, qos: qos)
        }
        return (client, inbox)
    }
}

extension MosquittoClient {
    /// Creates a client and connects it (bounded: 10 s).
    static func connected(_ configuration: MQTTConfiguration, _ name: String) async throws -> MosquittoClient {
        let client = try MosquittoClient(configuration: configuration, logger: .test(name))
        try await withTimeout(.seconds(10), "\(name) to connect to \(configuration.host):\(configuration.port)") {
            try await client.connect()
        }
        return client
    }
}

extension MosquittoClient {
    /// `publish`, failing the test instead of hanging if the broker's acknowledgement takes over `limit`.
    func publishAcked(
        _ topic: String, payload: [UInt8], qos: MQTTQoS = .atLeastOnce, retain: Bool = false,
        properties: MQTTv5.PublishProperties? = nil, within limit: Duration = .seconds(30)
    ) async throws {
        try await withTimeout(limit, "the acknowledgement of a \(qos) publish to \(topic)") {
            try await self.publish(topic, payload: payload, qos: qos, retain: retain, properties: properties)
        }
    }

    /// `publish` of text, failing the test instead of hanging if the acknowledgement takes over `limit`.
    func publishAcked(
        _ topic: String, _ text: String, qos: MQTTQoS = .atLeastOnce, retain: Bool = false,
        properties: MQTTv5.PublishProperties? = nil, within limit: Duration = .seconds(30)
    ) async throws {
        try await publishAcked(topic, payload: Array(text.utf8), qos: qos, retain: retain, properties: properties, within: limit)
    }

    /// `subscribe`, failing the test instead of hanging if the SUBACK takes over `limit`.
    func subscribeAcked(_ filter: String, qos: MQTTQoS = .atLeastOnce, within limit: Duration = .seconds(30)) async throws {
        try await withTimeout(limit, "the broker to grant the subscription to \(filter)") {
            try await self.subscribe(filter, qos: qos)
        }
    }
}
