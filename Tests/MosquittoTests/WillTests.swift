import Foundation
import Mosquitto
import TestSupport
import Testing

/// The will: published by the broker when the client drops without a clean disconnect, never after
/// one. The unclean drop is made by a TCP proxy that resets the client's connection (as a crash or a
/// broken network path would), while the broker keeps running.
@Suite(.timeLimit(.minutes(1))) struct WillTests {
    @Test func willIsDeliveredAfterAnUncleanDrop() async throws {
        let broker = try await MosquittoBroker.start()
        let proxy = try TCPProxy(upstreamPort: broker.port)
        defer { proxy.close() }
        let willTopic = Unique.topic("will")
        let (subscriber, inbox) = try await broker.subscriber("subscriber", to: willTopic)
        let cli = try await CLISubscriber.start(broker, topic: willTopic, format: "%t %p retain=%r")

        var configuration = broker.configuration("with-will")
        configuration.port = proxy.port
        configuration.will = MQTTWill(topic: willTopic, payload: Array("offline".utf8))
        let client = try await MosquittoClient.connected(configuration, "with-will")
        let events = Inbox(client.events)
        _ = try await events.first(within: .seconds(2), "the connected event") { $0 == .connected(sessionPresent: false) }
        try await inbox.expectNothing(for: .milliseconds(100), "no will while the client is connected")

        proxy.resetConnections()

        let will = try await inbox.next(within: .seconds(30), "the will after the connection was reset")
        #expect(will.topic == willTopic)
        #expect(will.string == "offline")
        #expect(will.qos == .atLeastOnce)
        // Independent witness: the real mosquitto_sub got the will too.
        #expect(try await cli.messages() == ["\(willTopic) offline retain=0"])
        // The will is retained (MQTTWill's default), so a late subscriber learns the client is gone.
        let (late, lateInbox) = try await broker.subscriber("late", to: willTopic)
        let retained = try await lateInbox.next(within: .seconds(30), "the retained will")
        #expect(retained.string == "offline")
        #expect(retained.retain)

        // The client noticed the drop and came back by itself (through the proxy).
        _ = try await events.first(within: .seconds(30), "the unexpected disconnect") {
            if case .disconnected(_, expected: false) = $0 { true } else { false }
        }
        _ = try await events.first(within: .seconds(30), "the reconnect") { if case .connected = $0 { true } else { false } }
        #expect(client.isConnected)
        #expect(proxy.acceptedConnections == 2)
        await client.disconnect()
        await late.disconnect()
        await subscriber.disconnect()
    }

    @Test func willIsNotDeliveredAfterACleanDisconnect() async throws {
        let broker = try await MosquittoBroker.start()
        let willTopic = Unique.topic("will")
        let (subscriber, inbox) = try await broker.subscriber("subscriber", to: willTopic)
        let cli = try await CLISubscriber.start(broker, topic: willTopic, format: "%t %p")
        let client = try await broker.connectedClient("with-will") {
            $0.will = MQTTWill(topic: willTopic, payload: Array("offline".utf8))
        }
        let events = Inbox(client.events)

        await client.disconnect()

        #expect(!client.isConnected)
        _ = try await events.first(within: .seconds(2), "the expected disconnect") {
            if case .disconnected(_, expected: true) = $0 { true } else { false }
        }
        // A marker published after the disconnect is the first and only thing on the will topic.
        let publisher = try await broker.connectedClient("marker")
        try await publisher.publishAcked(willTopic, "marker")
        let first = try await inbox.next(within: .seconds(30), "the marker")
        #expect(first.string == "marker", "the broker published the will after a clean disconnect")
        try await inbox.expectNothing(for: .milliseconds(300), "no will after a clean disconnect")
        #expect(try await cli.messages() == ["\(willTopic) marker"])
        // Nothing retained either.
        let (late, lateInbox) = try await broker.subscriber("late", to: willTopic)
        try await lateInbox.expectNothing(for: .milliseconds(300), "no retained will")
        await late.disconnect()
        await publisher.disconnect()
        await subscriber.disconnect()
    }
}
