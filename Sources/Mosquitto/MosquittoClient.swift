import Logging

/// An MQTT client over libmosquitto, for Swift concurrency.
///
/// It connects on ``connect()``, reconnects by itself with exponential backoff whenever the broker
/// goes away (also when the broker is down at start), restores subscriptions the broker forgot,
/// and stops with a clean DISCONNECT on ``disconnect()`` (so the broker does not send the will).
/// Received messages arrive on ``messages``; connection changes on ``events``.
///
/// libmosquitto's network loop runs on a thread of the client's own; nothing here blocks
/// Swift's cooperative thread pool.
public final class MosquittoClient: Sendable {
    public let configuration: MQTTConfiguration
    /// Messages received on this client's subscriptions. Single consumer.
    public let messages: MQTTMessages
    /// Connection events. Single consumer.
    public let events: MQTTConnectionEvents
    private let core: ClientCore

    /// Sets up the client; nothing touches the network yet.
    /// Throws when the configuration cannot work (unreadable TLS files, an unusable client id).
    public init(configuration: MQTTConfiguration, logger: Logger) throws(MosquittoError) {
        if configuration.port < 1 || configuration.port > 65535 {
            throw MosquittoError(.invalidConfiguration, "port \(configuration.port) is not a TCP port; expected 1 to 65535 (1883, or 8883 for TLS)")
        }
        if let will = configuration.will, let problem = NativeHandle.topicProblem(will.topic, isFilter: false) {
            throw MosquittoError(.invalidConfiguration, "the will's topic is invalid: \(problem.message)")
        }
        self.configuration = configuration
        core = try ClientCore(configuration: configuration, logger: logger)
        messages = MQTTMessages(stream: core.messages)
        events = MQTTConnectionEvents(stream: core.events)
    }

    deinit {
        _ = core.requestStop()
    }

    /// Whether the broker has accepted the connection and it has not dropped since.
    public var isConnected: Bool {
        core.state.withLock { $0.connected }
    }

    /// Starts connecting and returns once the broker accepted the connection.
    ///
    /// While the broker cannot be reached this keeps waiting (and retrying with backoff; see
    /// ``events``). It throws when the broker refuses the client (bad credentials, not authorised:
    /// ``MosquittoError/isBrokerRejection``) or TLS fails on the first connection; the client is
    /// then stopped. Cancelling the waiting task stops the wait, not the client.
    public func connect() async throws(MosquittoError) {
        let start = core.state.withLock { state -> Result<Bool, MosquittoError> in
            switch state.phase {
            case .idle:
                state.phase = .running
                return .success(true)
            case .running:
                return .success(false)
            case .stopping, .stopped:
                return .failure(MosquittoError(.shutDown, "this MQTT client was disconnected; create a new one to connect again"))
            }
        }
        if try start.get() {
            core.startLoopThread()
        }
        let result = await waitForConnection()
        if case .failure(let error) = result, error.isBrokerRejection || error.code == .tls {
            await disconnect()
        }
        try result.get()
    }

    private func waitForConnection() async -> Result<Void, MosquittoError> {
        let id = core.state.withLock { state in
            state.nextWaiterID += 1
            return state.nextWaiterID
        }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (waiter: ClientState.ConnectWaiter) in
                let immediate = core.state.withLock { state -> Result<Void, MosquittoError>? in
                    if state.connected { return .success(()) }
                    if state.phase != .running {
                        return .failure(MosquittoError(.shutDown, "the MQTT client was disconnected before it connected"))
                    }
                    if Task.isCancelled { return .failure(MosquittoError(.cancelled, "the wait for the MQTT connection was cancelled")) }
                    state.connectWaiters[id] = waiter
                    return nil
                }
                if let immediate { waiter.resume(returning: immediate) }
            }
        } onCancel: {
            core.state.withLock { $0.connectWaiters.removeValue(forKey: id) }?
                .resume(returning: .failure(MosquittoError(.cancelled, "the wait for the MQTT connection was cancelled")))
        }
    }

    /// Publishes a message. QoS 0 returns once the message is queued; QoS 1 and 2 return once the
    /// broker acknowledged it (an MQTT 5 reason code below 0x80, "no matching subscribers" among
    /// them, is success).
    ///
    /// Throws ``MosquittoError/Code/notConnected`` while disconnected (nothing is handed to
    /// libmosquitto: the caller decides what to send again), ``MosquittoError/Code/connectionLost``
    /// when the connection drops before the acknowledgement (libmosquitto keeps such a QoS 1/2
    /// message and sends it again after reconnecting), ``MosquittoError/Code/publishRejected`` when
    /// the broker refuses it, and caller mistakes (invalid topic, payload too large) at once.
    public func publish(_ topic: String, payload: some Sequence<UInt8>, qos: MQTTQoS = .atLeastOnce, retain: Bool = false,
                        properties: MQTTv5.PublishProperties? = nil) async throws(MosquittoError) {
        if let properties, !properties.isEmpty, configuration.protocolVersion != .v5 {
            throw MosquittoError(.notSupported, "MQTT 5 properties cannot be sent over MQTT \(configuration.protocolVersion); set the protocol to 5 or drop the properties")
        }
        if let problem = NativeHandle.topicProblem(topic, isFilter: false) { throw problem }
        let bytes = Array(payload)
        let ticket = try admit(requiringConnection: true) { $0.publishes.stamp }
        let mid = try core.handle.publish(topic: topic, payload: bytes, qos: qos, retain: retain, properties: properties)
        if qos == .atMostOnce {
            core.state.withLock { $0.publishes.abandon(mid, ticket: ticket) }
            return
        }
        try await awaitAck(mid: mid, ticket: ticket, table: \.publishes).get()
    }

    /// Publishes UTF-8 text.
    public func publish(_ topic: String, _ text: String, qos: MQTTQoS = .atLeastOnce, retain: Bool = false,
                        properties: MQTTv5.PublishProperties? = nil) async throws(MosquittoError) {
        try await publish(topic, payload: text.utf8, qos: qos, retain: retain, properties: properties)
    }

    /// Subscribes and returns once the broker granted it. The subscription is restored by itself
    /// after a reconnect that lost the session.
    public func subscribe(_ filter: String, qos: MQTTQoS = .atLeastOnce) async throws(MosquittoError) {
        if let problem = NativeHandle.topicProblem(filter, isFilter: true) { throw problem }
        let ticket = try admit { $0.subscribeAcks.stamp }
        let mid = try core.handle.subscribe(filter, qos: qos)
        try await awaitAck(mid: mid, ticket: ticket, table: \.subscribeAcks).get()
        core.state.withLock { $0.subscriptions[filter] = qos }
    }

    /// Unsubscribes and returns once the broker confirmed.
    public func unsubscribe(_ filter: String) async throws(MosquittoError) {
        if let problem = NativeHandle.topicProblem(filter, isFilter: true) { throw problem }
        core.state.withLock { _ = $0.subscriptions.removeValue(forKey: filter) }
        let ticket = try admit { $0.unsubscribeAcks.stamp }
        let mid = try core.handle.unsubscribe(filter)
        try await awaitAck(mid: mid, ticket: ticket, table: \.unsubscribeAcks).get()
    }

    /// Sends DISCONNECT (so the broker does not publish the will), stops reconnecting and ends
    /// ``messages`` and ``events``. The first call waits for the network thread (which gives up
    /// sending after 2 s); a call while another is already stopping the client returns at once.
    public func disconnect() async {
        guard core.requestStop() else { return }
        await withCheckedContinuation { (waiter: CheckedContinuation<Void, Never>) in
            let stopped = core.state.withLock { state in
                if state.phase == .stopped { return true }
                state.stopWaiters.append(waiter)
                return false
            }
            if stopped { waiter.resume() }
        }
    }

    /// Refuses work when the client is not running (or, for a publish, not connected: libmosquitto
    /// would keep a QoS 1/2 message it cannot send and replay it, stale, after the reconnect);
    /// otherwise returns the ticket for the ack table.
    private func admit(requiringConnection: Bool = false, _ ticket: (inout ClientState) -> UInt64) throws(MosquittoError) -> UInt64 {
        let result = core.state.withLock { state -> Result<UInt64, MosquittoError> in
            switch state.phase {
            case .running:
                if requiringConnection && !state.connected {
                    return .failure(MosquittoError(.notConnected, "not connected to the broker; nothing was sent"))
                }
                return .success(ticket(&state))
            case .idle:
                return .failure(MosquittoError(.notConnected, "not connected: call connect() first"))
            case .stopping, .stopped:
                return .failure(MosquittoError(.shutDown, "this MQTT client was disconnected"))
            }
        }
        return try result.get()
    }

    private func awaitAck(mid: Int32, ticket: UInt64,
                          table: WritableKeyPath<ClientState, AckTable<Void>> & Sendable) async -> Result<Void, MosquittoError> {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (waiter: AckTable<Void>.Waiter) in
                if let early = core.state.withLock({ $0[keyPath: table].park(mid, ticket: ticket, waiter) }) {
                    waiter.resume(returning: early)
                }
            }
        } onCancel: {
            core.state.withLock { $0[keyPath: table].cancel(mid, ticket: ticket) }?
                .resume(returning: .failure(MosquittoError(.cancelled, "the wait for the broker's acknowledgement was cancelled")))
        }
    }
}
