import Mosquitto
import TestSupport
import Testing

/// TLS to a broker whose certificates the tests make (``TestCertificates``): verified against the
/// right CA, refused when the server's certificate comes from a CA the client does not trust.
@Suite(.timeLimit(.minutes(1))) struct TLSTests {
    @Test(arguments: ["127.0.0.1", "localhost"])
    func verifiedTLSConnectionCarriesMessages(_ host: String) async throws {
        let certificates = try await TestCertificates.shared()
        let broker = try await MosquittoBroker.start(config: .tls(certificates))
        let topic = Unique.topic("tls")
        func configuration(_ name: String) -> MQTTConfiguration {
            var configuration = broker.configuration(name)
            configuration.host = host
            configuration.tls = .init(caFile: certificates.caFile)
            return configuration
        }
        let subscriber = try await MosquittoClient.connected(configuration("subscriber"), "subscriber")
        let inbox = Inbox(subscriber.messages)
        try await subscriber.subscribeAcked(topic)
        let publisher = try await MosquittoClient.connected(configuration("publisher"), "publisher")
        try await publisher.publishAcked(topic, "over TLS", qos: .exactlyOnce)
        #expect(try await inbox.next(within: .seconds(30), "the message over TLS").string == "over TLS")
        await publisher.disconnect()
        await subscriber.disconnect()
    }

    @Test func serverCertificateFromAnUnknownCAIsRefused() async throws {
        let certificates = try await TestCertificates.shared()
        let broker = try await MosquittoBroker.start(config: .tls(certificates))
        var configuration = broker.configuration("distrustful")
        configuration.tls = .init(caFile: certificates.unrelatedCAFile)
        let client = try MosquittoClient(configuration: configuration, logger: .test("distrustful"))

        let error = await #expect(throws: MosquittoError.self) {
            try await withTimeout(.seconds(30), "connect() to fail on an untrusted certificate") { try await client.connect() }
        }

        #expect(error?.code == .tls)
        #expect(error?.isBrokerRejection == false)
        #expect(error?.description.contains("certificate verify failed") == true, "the error should say why: \(String(describing: error))")
        #expect(!client.isConnected)
        #expect(broker.log.contains("OpenSSL Error") || broker.log.contains("SSL"), "the broker saw the handshake fail")
    }

    @Test func plainMQTTToATLSListenerDoesNotConnect() async throws {
        let certificates = try await TestCertificates.shared()
        let broker = try await MosquittoBroker.start(config: .tls(certificates))
        let client = try MosquittoClient(configuration: broker.configuration("plain"), logger: .test("plain"))
        let events = Inbox(client.events)
        let connecting = Task { try await client.connect() }
        // It keeps trying (a network-level failure, not a rejection) and reports each attempt.
        let failure = try await events.first(within: .seconds(30), "a failed connection attempt") {
            if case .connectFailed = $0 { true } else { false }
        }
        #expect(!client.isConnected, "\(failure)")
        connecting.cancel()
        let result = await connecting.result
        #expect(throws: MosquittoError.self) { try result.get() }
        await client.disconnect()
    }

    @Test func clientCertificateIsPresentedWhenTheBrokerRequiresOne() async throws {
        let certificates = try await TestCertificates.shared()
        let broker = try await MosquittoBroker.start(config: .tls(certificates, requireClientCertificate: true))
        var configuration = broker.configuration("with-certificate")
        configuration.tls = .init(
            caFile: certificates.caFile, certificateFile: certificates.clientCertificateFile,
            keyFile: certificates.clientKeyFile)
        let client = try await MosquittoClient.connected(configuration, "with-certificate")
        let topic = Unique.topic("mtls")
        let inbox = Inbox(client.messages)
        try await client.subscribeAcked(topic)
        try await client.publishAcked(topic, "mutual")
        #expect(try await inbox.next(within: .seconds(30), "the message over mutual TLS").string == "mutual")
        await client.disconnect()
    }

    @Test func missingTLSFileIsAConfigurationMistake() async throws {
        var configuration = MQTTConfiguration(host: "127.0.0.1", port: 8883)
        configuration.tls = .init(caFile: "/nonexistent/ca.crt")
        let error = #expect(throws: MosquittoError.self) {
            _ = try MosquittoClient(configuration: configuration, logger: .test("missing-ca"))
        }
        #expect(error?.code == .invalidConfiguration)
        #expect(error?.isCallerMistake == true)
        #expect(error?.message.contains("/nonexistent/ca.crt") == true)
    }
}
