import Foundation
import Mosquitto
import TestSupport
import Testing

/// Messages through a real mosquitto: QoS levels, retained messages, MQTT 5 properties, MQTT 3.1.1,
/// topic validation, and a burst of concurrent publishes.
@Suite(.timeLimit(.minutes(1))) struct PublishSubscribeTests {
    @Test(arguments: MQTTQoS.allCases)
    func subscriberReceivesMessagePublishedAtQoS(_ qos: MQTTQoS) async throws {
        let broker = try await MosquittoBroker.start()
        let topic = Unique.topic("qos\(qos.rawValue)")
        let (subscriber, inbox) = try await broker.subscriber("subscriber", to: topic, qos: .exactlyOnce)
        let publisher = try await broker.connectedClient("publisher")

        try await publisher.publishAcked(topic, payload: [0, 1, 2, 255, 0], qos: qos)

        let message = try await inbox.next(within: .seconds(30), "the \(qos) message")
        #expect(message.topic == topic)
        #expect(message.payload == [0, 1, 2, 255, 0])
        #expect(message.qos == qos)
        #expect(!message.retain)
        try await inbox.expectNothing(for: .milliseconds(200), "no duplicate of the \(qos) message")
        await publisher.disconnect()
        await subscriber.disconnect()
    }

    @Test func retainedMessageIsReadBackByLaterSubscribers() async throws {
        let broker = try await MosquittoBroker.start()
        let topic = Unique.topic("retained")
        let publisher = try await broker.connectedClient("publisher")
        try await publisher.publishAcked(topic, "online", qos: .atLeastOnce, retain: true)
        await publisher.disconnect()

        let (subscriber, inbox) = try await broker.subscriber("late-subscriber", to: topic)
        let message = try await inbox.next(within: .seconds(30), "the retained message")
        #expect(message.string == "online")
        #expect(message.retain)
        await subscriber.disconnect()

        // The real mosquitto_sub reads the same retained message.
        let cli = try await CLISubscriber.start(broker, topic: topic, format: "%t %p retain=%r")
        #expect(try await cli.messages() == ["\(topic) online retain=1"])

        // An empty retained message clears it: a new subscriber gets nothing.
        let clearer = try await broker.connectedClient("clearer")
        try await clearer.publishAcked(topic, payload: [], qos: .atLeastOnce, retain: true)
        await clearer.disconnect()
        let (emptySubscriber, emptyInbox) = try await broker.subscriber("after-clear", to: topic)
        try await emptyInbox.expectNothing(for: .milliseconds(300), "no retained message after clearing it")
        await emptySubscriber.disconnect()
    }

    @Test func mqtt5PropertiesArriveAtSubscriber() async throws {
        let broker = try await MosquittoBroker.start()
        let topic = Unique.topic("properties")
        let (subscriber, inbox) = try await broker.subscriber("subscriber", to: topic)
        let cli = try await CLISubscriber.start(broker, topic: topic, format: "%t %p type=%C expiry=%E props=%P")
        let publisher = try await broker.connectedClient("publisher")
        let properties = MQTTv5.PublishProperties(
            messageExpiryInterval: 300, contentType: "application/json",
            userProperties: [.init("source", "nmap"), .init("source", "arp"), .init("zone", "home")])

        try await publisher.publishAcked(topic, #"{"state":"home"}"#, qos: .atLeastOnce, properties: properties)

        let message = try await inbox.next(within: .seconds(30), "the message with properties")
        #expect(message.string == #"{"state":"home"}"#)
        #expect(message.properties.contentType == "application/json")
        #expect(message.properties.userProperties == properties.userProperties, "user properties keep their order and repeated names")
        // The broker forwards the remaining lifetime, not the original.
        let expiry = try #require(message.properties.messageExpiryInterval)
        #expect((295...300).contains(expiry))

        // Cross-check: the real mosquitto_sub sees the properties our client sent.
        let printed = try await cli.messages()
        #expect(printed.count == 1)
        let line = try #require(printed.first)
        #expect(line.hasPrefix(#"\#(topic) {"state":"home"} type=application/json expiry=30"#), "got: \(line)")
        #expect(line.hasSuffix("props=source:nmap source:arp zone:home"), "got: \(line)")
        await publisher.disconnect()
        await subscriber.disconnect()
    }

    @Test func mqtt5PropertiesSentByMosquittoPubAreRead() async throws {
        let broker = try await MosquittoBroker.start()
        let topic = Unique.topic("cli-properties")
        let (subscriber, inbox) = try await broker.subscriber("subscriber", to: topic)

        try await ChildProcess.run(
            "mosquitto_pub",
            [
                "-h", broker.host, "-p", "\(broker.port)", "-V", "5", "-q", "1", "-t", topic, "-m", "from the cli",
                "-D", "publish", "content-type", "text/plain", "-D", "publish", "user-property", "k", "v1",
                "-D", "publish", "user-property", "k", "v2", "-D", "publish", "message-expiry-interval", "120",
            ], timeout: .seconds(10))

        let message = try await inbox.next(within: .seconds(30), "the message mosquitto_pub sent")
        #expect(message.string == "from the cli")
        #expect(message.properties.contentType == "text/plain")
        #expect(message.properties.userProperties == [.init("k", "v1"), .init("k", "v2")])
        #expect(message.properties.messageExpiryInterval.map { (115...120).contains($0) } == true)
        await subscriber.disconnect()
    }

    @Test func mqtt311WorksAndRefusesMQTT5Properties() async throws {
        let broker = try await MosquittoBroker.start()
        let topic = Unique.topic("v311")
        let (subscriber, inbox) = try await broker.subscriber("subscriber", to: topic, protocolVersion: .v311)
        let publisher = try await broker.connectedClient("publisher", protocolVersion: .v311)

        let error = await #expect(throws: MosquittoError.self) {
            try await publisher.publishAcked(topic, "with properties", properties: .init(contentType: "text/plain"))
        }
        #expect(error?.code == .notSupported)
        #expect(error?.isCallerMistake == true)
        #expect(error?.isBrokerRejection == false)

        // Empty properties are no MQTT 5 feature: allowed.
        try await publisher.publishAcked(topic, "plain", qos: .exactlyOnce, properties: .init())
        try await publisher.publishAcked(topic, "retained", qos: .atLeastOnce, retain: true)

        // Order holds per QoS only: libmosquitto hands over a QoS 2 message at PUBREL, after a later QoS 1 one may have arrived.
        let messages = try await inbox.take(2, within: .seconds(30), "the two 3.1.1 messages")
        #expect(Set(messages.map { "\($0.string) \($0.qos)" }) == ["plain QoS 2", "retained QoS 1"])
        #expect(messages.allSatisfy { $0.properties == .init() })
        #expect(publisher.isConnected)
        await publisher.disconnect()
        await subscriber.disconnect()
    }

    @Test func invalidTopicsAreCallerMistakesThrownBeforeAnythingIsSent() async throws {
        let broker = try await MosquittoBroker.start()

        // Never connected: had anything gone towards the network, this would be "not connected".
        let idle = try MosquittoClient(configuration: broker.configuration("idle"), logger: .test("idle"))
        for topic in ["a/+/b", "", "a/#"] {
            let error = await #expect(throws: MosquittoError.self, "publish to \"\(topic)\"") {
                try await idle.publish(topic, "x")
            }
            #expect(error?.code == .invalidTopic)
        }

        let (watcher, inbox) = try await broker.subscriber("watcher", to: "#")
        let client = try await broker.connectedClient("client")
        let attempts: [(String, @Sendable () async throws(MosquittoError) -> Void)] = [
            ("publish to a/+/b", { () async throws(MosquittoError) in try await client.publish("a/+/b", "x") }),
            ("publish to the empty topic", { () async throws(MosquittoError) in try await client.publish("", "x") }),
            ("publish to a/#", { () async throws(MosquittoError) in try await client.publish("a/#", "x", qos: .atMostOnce) }),
            ("subscribe to #/x", { () async throws(MosquittoError) in try await client.subscribe("#/x") }),
            ("subscribe to a/b#", { () async throws(MosquittoError) in try await client.subscribe("a/b#") }),
            ("subscribe to the empty filter", { () async throws(MosquittoError) in try await client.subscribe("") }),
            ("unsubscribe from #/x", { () async throws(MosquittoError) in try await client.unsubscribe("#/x") }),
        ]
        for (what, attempt) in attempts {
            let error = await #expect(throws: MosquittoError.self, "\(what)") { try await attempt() }
            #expect(error?.code == .invalidTopic, "\(what)")
            #expect(error?.isCallerMistake == true, "\(what)")
            #expect(error?.isBrokerRejection == false, "\(what)")
            #expect(error?.message.isEmpty == false, "\(what)")
        }

        // The broker saw none of it: the connection is intact and the watcher of # sees only the marker.
        #expect(client.isConnected)
        try await client.publishAcked("marker/\(UUID().uuidString.prefix(8))", "marker")
        let first = try await inbox.next(within: .seconds(30), "the marker")
        #expect(first.string == "marker")
        try await inbox.expectNothing(for: .milliseconds(200), "nothing but the marker")
        await client.disconnect()
        await watcher.disconnect()
    }

    @Test func tenThousandConcurrentQoS1PublishesAreAcknowledgedAndReceived() async throws {
        let broker = try await MosquittoBroker.start()
        let topic = Unique.topic("burst")
        let count = 10_000
        let (subscriber, inbox) = try await broker.subscriber("subscriber", to: topic, qos: .atLeastOnce)
        let publisher = try await broker.connectedClient("publisher")

        let started = ContinuousClock.now
        try await withTimeout(.seconds(30), "\(count) QoS 1 publishes to be acknowledged") {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for index in 0..<count {
                    group.addTask { try await publisher.publish(topic, "\(index)", qos: .atLeastOnce) }
                }
                try await group.waitForAll()
            }
        }
        let acknowledged = ContinuousClock.now - started
        let messages = try await inbox.take(count, within: .seconds(30), "QoS 1 messages")
        let received = ContinuousClock.now - started

        #expect(Set(messages.map(\.string)) == Set((0..<count).map { "\($0)" }))
        #expect(messages.allSatisfy { $0.topic == topic && $0.qos == .atLeastOnce })
        try await inbox.expectNothing(for: .milliseconds(200), "no more than \(count) messages")
        print("\(count) concurrent QoS 1 publishes: all acknowledged after \(acknowledged), all received after \(received)")
        await publisher.disconnect()
        await subscriber.disconnect()
    }
}
