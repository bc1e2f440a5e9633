import Mosquitto
import TestSupport
import Testing

/// What the broker refuses (credentials, ACLs) comes back as ``MosquittoError/isBrokerRejection``,
/// with the broker's reason, and is never mistaken for a caller mistake or a network failure.
@Suite(.timeLimit(.minutes(1))) struct BrokerRejectionTests {
    @Test(arguments: [MQTTProtocolVersion.v5, .v311])
    func wrongPasswordIsRejectedWithAClearError(_ version: MQTTProtocolVersion) async throws {
        let broker = try await MosquittoBroker.start(config: .password(users: ["alice": "right horse"]))
        var configuration = broker.configuration("alice", protocolVersion: version)
        configuration.username = "alice"
        configuration.password = "wrong horse"
        let client = try MosquittoClient(configuration: configuration, logger: .test("alice"))

        let error = await #expect(throws: MosquittoError.self) {
            try await withTimeout(.seconds(30), "connect() to fail with a wrong password") { try await client.connect() }
        }

        #expect(error?.code == .connectionRefused)
        #expect(error?.isBrokerRejection == true)
        #expect(error?.isCallerMistake == false)
        // mosquitto 2.0.11 answers a wrong password with "not authorised": 0x87 (MQTT 5), 5 (3.1.1).
        #expect(error?.reasonCode == (version == .v5 ? 0x87 : 5))
        let message = error?.description.lowercased() ?? ""
        #expect(message.contains("refused") && message.contains("not authori"), "got: \(message)")
        #expect(!message.contains("wrong horse"), "the password must never appear in an error")
        // The client gave up instead of retrying a password that will not start working.
        #expect(!client.isConnected)
        let again = await #expect(throws: MosquittoError.self) { try await client.connect() }
        #expect(again?.code == .shutDown)
    }

    @Test func rightPasswordConnects() async throws {
        let broker = try await MosquittoBroker.start(config: .password(users: ["alice": "right horse", "bob": "other"]))
        let topic = Unique.topic("auth")
        let alice = try await broker.connectedClient("alice") {
            $0.username = "alice"
            $0.password = "right horse"
        }
        let bob = try await broker.connectedClient("bob") {
            $0.username = "bob"
            $0.password = "other"
        }
        let inbox = Inbox(bob.messages)
        try await bob.subscribeAcked(topic)
        try await alice.publishAcked(topic, "hello bob")
        #expect(try await inbox.next(within: .seconds(30), "alice's message").string == "hello bob")

        // Anonymous clients are refused by this broker.
        let anonymous = try MosquittoClient(configuration: broker.configuration("anonymous"), logger: .test("anonymous"))
        let error = await #expect(throws: MosquittoError.self) {
            try await withTimeout(.seconds(30), "connect() to fail without credentials") { try await anonymous.connect() }
        }
        #expect(error?.isBrokerRejection == true)
        await alice.disconnect()
        await bob.disconnect()
    }

    /// mosquitto 2.0.11 answers an MQTT 5 publish that its ACL denies with reason 0x87 (not
    /// authorised) in the PUBACK (QoS 1) or PUBREC (QoS 2); QoS 0 has no answer to carry it.
    @Test(arguments: [MQTTQoS.atLeastOnce, .exactlyOnce])
    func publishDeniedByTheACLIsABrokerRejection(_ qos: MQTTQoS) async throws {
        let broker = try await MosquittoBroker.start(config: .acl("topic readwrite allowed/#\ntopic read readonly/#\n"))
        let suffix = Unique.clientID("acl")
        let (watcher, inbox) = try await broker.subscriber("watcher", to: "readonly/\(suffix)")
        let client = try await broker.connectedClient("publisher")
        try await client.subscribeAcked("allowed/\(suffix)")
        let own = Inbox(client.messages)

        let error = await #expect(throws: MosquittoError.self) {
            try await client.publishAcked("readonly/\(suffix)", "denied", qos: qos)
        }
        #expect(error?.code == .publishRejected)
        #expect(error?.reasonCode == 0x87)
        #expect(error?.isBrokerRejection == true)
        #expect(error?.isCallerMistake == false)
        #expect(
            error?.description.contains("readonly") == true || error?.description.lowercased().contains("not authori") == true,
            "the error should say what was refused: \(String(describing: error))")

        // QoS 0: nothing to report, no error.
        try await client.publishAcked("readonly/\(suffix)", "denied", qos: .atMostOnce)
        // The connection survives a rejection; allowed topics still work.
        #expect(client.isConnected)
        try await client.publishAcked("allowed/\(suffix)", "allowed", qos: qos)
        #expect(try await own.next(within: .seconds(30), "the allowed message").string == "allowed")
        try await inbox.expectNothing(for: .milliseconds(200), "no denied message delivered")
        await client.disconnect()
        await watcher.disconnect()
    }

    /// Under MQTT 3.1.1 a PUBACK carries no reason: mosquitto acknowledges the denied message and
    /// drops it. The client cannot know; this pins down that behaviour.
    @Test func publishDeniedByTheACLUnderMQTT311IsSilentlyDropped() async throws {
        let broker = try await MosquittoBroker.start(config: .acl("topic readwrite allowed/#\ntopic read readonly/#\n"))
        let suffix = Unique.clientID("acl")
        let (watcher, inbox) = try await broker.subscriber("watcher", to: "readonly/\(suffix)", protocolVersion: .v311)
        let client = try await broker.connectedClient("publisher", protocolVersion: .v311)

        try await client.publishAcked("readonly/\(suffix)", "denied", qos: .atLeastOnce)

        #expect(client.isConnected)
        try await inbox.expectNothing(for: .milliseconds(300), "no denied message delivered")
        await client.disconnect()
        await watcher.disconnect()
    }

    /// mosquitto 2.0.11 grants a subscription to a topic the ACL does not let the client read, and
    /// then delivers nothing: no rejection to report, and none invented.
    @Test func subscriptionToAnUnreadableTopicIsGrantedButDeliversNothing() async throws {
        let broker = try await MosquittoBroker.start(config: .acl("topic readwrite allowed/#\ntopic write writeonly/#\n"))
        let suffix = Unique.clientID("acl")
        let client = try await broker.connectedClient("client")
        let inbox = Inbox(client.messages)
        try await client.subscribeAcked("writeonly/\(suffix)")
        try await client.publishAcked("writeonly/\(suffix)", "unreadable")
        try await inbox.expectNothing(for: .milliseconds(300), "nothing from an unreadable topic")
        await client.disconnect()
    }
}
