import Logging
import Mosquitto
import ServiceLifecycle
import TestSupport
import Testing

/// The client as a swift-service-lifecycle `Service`: connected while the group runs, cleanly
/// disconnected (no will) on graceful shutdown.
@Suite(.timeLimit(.minutes(1))) struct ServiceTests {
    @Test func serviceGroupGracefulShutdownDisconnectsCleanly() async throws {
        let broker = try await MosquittoBroker.start()
        let willTopic = Unique.topic("service-will")
        let (watcher, inbox) = try await broker.subscriber("watcher", to: willTopic)
        var configuration = broker.configuration("service")
        configuration.will = MQTTWill(topic: willTopic, payload: Array("offline".utf8))
        let client = try MosquittoClient(configuration: configuration, logger: .test("service"))
        let events = Inbox(client.events)
        let group = ServiceGroup(services: [client], logger: .test("group"))
        let running = Task { try await group.run() }

        _ = try await events.first(within: .seconds(30), "the service to connect") { if case .connected = $0 { true } else { false } }
        #expect(client.isConnected)
        try await client.publishAcked(willTopic, "running")
        #expect(try await inbox.next(within: .seconds(30), "a message published while the service runs").string == "running")

        await group.triggerGracefulShutdown()

        try await withTimeout(.seconds(30), "the service group to finish after graceful shutdown") { try await running.value }
        #expect(!client.isConnected)
        _ = try await events.first(within: .seconds(10), "the clean disconnect") {
            if case .disconnected(_, expected: true) = $0 { true } else { false }
        }
        let error = await #expect(throws: MosquittoError.self) { try await client.publishAcked(willTopic, "too late") }
        #expect(error?.code == .shutDown)
        let marker = try await broker.connectedClient("marker")
        try await marker.publishAcked(willTopic, "marker")
        #expect(try await inbox.next(within: .seconds(30), "the marker").string == "marker", "the will was published after a graceful shutdown")
        try await inbox.expectNothing(for: .milliseconds(300), "no will after a graceful shutdown")
        await marker.disconnect()
        await watcher.disconnect()
    }

    /// SIGTERM while the broker is unreachable (a daemon that never got its connection) must still
    /// end cleanly, not as a failed service.
    @Test func gracefulShutdownWhileStillConnectingEndsCleanly() async throws {
        let port = try FreePort.pick()
        let client = try MosquittoClient(
            configuration: MQTTConfiguration(
                host: "127.0.0.1", port: port, clientID: Unique.clientID("service"),
                minimumReconnectDelay: .milliseconds(100)),
            logger: .test("service"))
        let events = Inbox(client.events)
        let group = ServiceGroup(services: [client], logger: .test("group"))
        let running = Task { try await group.run() }
        _ = try await events.first(within: .seconds(30), "a failed connection attempt") { if case .connectFailed = $0 { true } else { false } }

        await group.triggerGracefulShutdown()

        let outcome = try await withTimeout(.seconds(30), "the service group to finish") { await running.result }
        #expect(!client.isConnected)
        try outcome.get()
        try await withTimeout(.seconds(3), "the client to stop (its events to end)") {
            while !events.isFinished { try await Task.sleep(for: .milliseconds(10)) }
        }
    }

    @Test func serviceGroupFailsWhenTheBrokerRejectsTheClient() async throws {
        let broker = try await MosquittoBroker.start(config: .password(users: ["alice": "secret"]))
        var configuration = broker.configuration("service")
        configuration.username = "alice"
        configuration.password = "not the secret"
        let client = try MosquittoClient(configuration: configuration, logger: .test("service"))
        let group = ServiceGroup(services: [client], logger: .test("group"))

        let error = await #expect(throws: MosquittoError.self) {
            try await withTimeout(.seconds(30), "the service group to fail") { try await group.run() }
        }
        #expect(error?.isBrokerRejection == true)
    }
}
