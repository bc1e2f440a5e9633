import Mosquitto
import TestSupport
import Testing

/// The client on its own through broker restarts and a broker that is not there yet.
@Suite(.timeLimit(.minutes(1))) struct ReconnectTests {
    @Test func clientReconnectsAfterTheBrokerIsKilledAndRestarted() async throws {
        let broker = try await MosquittoBroker.start()
        let topic = Unique.topic("restart")
        let publisher = try await broker.connectedClient("publisher")
        let events = Inbox(publisher.events)

        await broker.kill()

        _ = try await events.first(within: .seconds(30), "the unexpected disconnect") {
            if case .disconnected(_, expected: false) = $0 { true } else { false }
        }
        #expect(!publisher.isConnected)
        // While the broker is gone nothing is queued: the caller is told at once.
        let error = await #expect(throws: MosquittoError.self) {
            try await withTimeout(.seconds(2), "publish() to fail while disconnected") { try await publisher.publishAcked(topic, "lost") }
        }
        #expect(error?.code == .notConnected)
        #expect(error?.isBrokerRejection == false && error?.isCallerMistake == false)

        try await broker.restart()

        _ = try await events.first(within: .seconds(30), "the reconnect") { $0 == .connected(sessionPresent: false) }
        #expect(publisher.isConnected)
        let (subscriber, inbox) = try await broker.subscriber("subscriber", to: topic)
        try await publisher.publishAcked(topic, "after the restart", qos: .atLeastOnce)
        #expect(try await inbox.next(within: .seconds(30), "the message after the restart").string == "after the restart")
        await publisher.disconnect()
        await subscriber.disconnect()
    }

    /// A publish refused while disconnected is not kept somewhere and replayed, stale, after the
    /// reconnect (libmosquitto keeps a QoS 1 message it could not send, so the client must not hand
    /// it one while disconnected).
    @Test func aRefusedPublishIsNotReplayedAfterTheReconnect() async throws {
        let broker = try await MosquittoBroker.start()
        let topic = Unique.topic("no-replay")
        let publisher = try await broker.connectedClient("publisher")
        let events = Inbox(publisher.events)
        await broker.kill()
        _ = try await events.first(within: .seconds(30), "the unexpected disconnect") {
            if case .disconnected(_, expected: false) = $0 { true } else { false }
        }
        let error = await #expect(throws: MosquittoError.self) {
            try await withTimeout(.seconds(2), "publish() to fail while disconnected") {
                try await publisher.publish(topic, "stale", qos: .atLeastOnce, retain: true)
            }
        }
        #expect(error?.code == .notConnected)

        try await broker.restart()
        _ = try await events.first(within: .seconds(30), "the reconnect") { $0 == .connected(sessionPresent: false) }
        // A marker after it on the same connection: once it is retained, anything replayed before it is too.
        try await publisher.publishAcked(topic + "/marker", "after", qos: .atLeastOnce, retain: true)
        let (subscriber, inbox) = try await broker.subscriber("subscriber", to: topic + "/#")
        let marker = try await inbox.next(within: .seconds(30), "the retained marker")
        #expect(marker.topic == topic + "/marker")
        let (late, lateInbox) = try await broker.subscriber("late", to: topic)
        try await lateInbox.expectNothing(for: .milliseconds(500), "no retained message from the refused publish")
        await publisher.disconnect()
        await subscriber.disconnect()
        await late.disconnect()
    }

    @Test func subscriptionsAreRestoredAfterTheBrokerRestarts() async throws {
        let broker = try await MosquittoBroker.start()
        let topic = Unique.topic("resubscribe")
        let (subscriber, inbox) = try await broker.subscriber("subscriber", to: topic)
        let events = Inbox(subscriber.events)

        await broker.kill()
        try await broker.restart()

        // The restarted broker has no session for the client: it must subscribe again by itself.
        _ = try await events.first(within: .seconds(30), "the reconnect") { $0 == .connected(sessionPresent: false) }
        // Retained, so it reaches the subscriber whether its SUBSCRIBE lands before or after this.
        let publisher = try await broker.connectedClient("publisher")
        try await publisher.publishAcked(topic, "after the restart", qos: .atLeastOnce, retain: true)
        let restored = try await inbox.next(within: .seconds(30), "the message on the restored subscription")
        #expect(restored.string == "after the restart")
        // And a live message on it now.
        try await publisher.publishAcked(topic, "live", qos: .atLeastOnce)
        let live = try await inbox.next(within: .seconds(30), "a live message on the restored subscription")
        #expect(live.string == "live")
        #expect(!live.retain)
        try await inbox.expectNothing(for: .milliseconds(200), "no duplicates from a double subscription")
        await publisher.disconnect()
        await subscriber.disconnect()
    }

    @Test func clientConnectsOnceABrokerThatWasDownAtStartComesUp() async throws {
        let port = try FreePort.pick()
        var configuration = MQTTConfiguration(
            host: "127.0.0.1", port: port, clientID: Unique.clientID("early"),
            minimumReconnectDelay: .milliseconds(100), maximumReconnectDelay: .milliseconds(400))
        configuration.keepAlive = .seconds(10)
        let client = try MosquittoClient(configuration: configuration, logger: .test("early"))
        let events = Inbox(client.events)
        let connecting = Task { try await client.connect() }

        // It tries, fails, and reports that it will retry.
        let failure = try await events.first(within: .seconds(30), "a failed attempt while the broker is down") {
            if case .connectFailed = $0 { true } else { false }
        }
        guard case .connectFailed(_, let retryIn) = failure else { return }
        #expect(retryIn >= .milliseconds(100) && retryIn <= .milliseconds(400))
        #expect(!client.isConnected)
        try await Task.sleep(for: .milliseconds(300))

        let broker = try await MosquittoBroker.start(port: port)

        try await withTimeout(.seconds(30), "connect() to return once the broker is up") { try await connecting.value }
        #expect(client.isConnected)
        let topic = Unique.topic("early")
        let (subscriber, inbox) = try await broker.subscriber("subscriber", to: topic)
        try await client.publishAcked(topic, "made it")
        #expect(try await inbox.next(within: .seconds(30), "the first message").string == "made it")
        await client.disconnect()
        await subscriber.disconnect()
    }

    @Test func disconnectStopsAClientThatIsStillWaitingForTheBroker() async throws {
        let port = try FreePort.pick()
        let client = try MosquittoClient(
            configuration: MQTTConfiguration(host: "127.0.0.1", port: port, clientID: Unique.clientID("giving-up")),
            logger: .test("giving-up"))
        let connecting = Task { try await client.connect() }
        try await Task.sleep(for: .milliseconds(200))

        try await withTimeout(.seconds(30), "disconnect() while connecting") { await client.disconnect() }

        let result = await connecting.result
        #expect(throws: MosquittoError.self) { try result.get() }
        #expect(!client.isConnected)
    }
}
