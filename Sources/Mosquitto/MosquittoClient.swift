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
        core.machine.withLock { $0.isConnected }
    }

    /// Starts connecting and returns once the broker accepted the connection.
    ///
    /// While the broker cannot be reached this keeps waiting (and retrying with backoff; see
    /// ``events``). It throws when the broker refuses the client (bad credentials, not authorised:
    /// ``MosquittoError/isBrokerRejection``) or TLS fails on the first connection; the client is
    /// then stopped. Cancelling the waiting task stops the wait, not the client.
    public func connect() async throws(MosquittoError) {
        switch core.machine.withLock({ $0.connect() }) {
        case .startLoopThread: core.startLoopThread()
        case .none: break
        case .fail(let error): throw error
        }
        let result = await waitForConnection()
        if case .failure(let error) = result, error.isBrokerRejection || error.code == .tls {
            await disconnect()
        }
        try result.get()
    }

    private func waitForConnection() async -> Result<Void, MosquittoError> {
        let id = core.makeWaitID()
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (waiter: ClientCore.Waiter) in
                if let now = core.machine.withLock({ $0.waitForConnection(id: id, isCancelled: Task.isCancelled, waiter) }) {
                    waiter.resume(returning: now)
                }
            }
        } onCancel: {
            core.machine.withLock { $0.cancelConnectionWait(id: id) }?.resume(returning: .failure(ClientCore.Machine.connectWaitCancelled))
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
    ///
    /// One lock round trip for QoS 0, two for QoS 1 and 2; a contiguous payload (an array, a
    /// string's UTF-8) is handed to libmosquitto in place, and the rest of the work is not generic.
    public func publish(
        _ topic: String, payload: some Sequence<UInt8>, qos: MQTTQoS = .atLeastOnce, retain: Bool = false,
        properties: MQTTv5.PublishProperties? = nil
    ) async throws(MosquittoError) {
        let sent =
            payload.withContiguousStorageIfAvailable { send(topic, UnsafeRawBufferPointer($0), qos, retain, properties) }
            ?? Array(payload).withUnsafeBytes { send(topic, $0, qos, retain, properties) }
        try await finish(.publish, sent)
    }

    /// Publishes an array of bytes: the same as the generic ``publish(_:payload:qos:retain:properties:)``,
    /// without a generic call per message.
    public func publish(
        _ topic: String, payload: [UInt8], qos: MQTTQoS = .atLeastOnce, retain: Bool = false,
        properties: MQTTv5.PublishProperties? = nil
    ) async throws(MosquittoError) {
        try await finish(.publish, payload.withUnsafeBytes { send(topic, $0, qos, retain, properties) })
    }

    /// Checks a publish and hands it to libmosquitto; returns the acknowledgement to await, if any.
    private func send(
        _ topic: String, _ payload: UnsafeRawBufferPointer, _ qos: MQTTQoS, _ retain: Bool,
        _ properties: MQTTv5.PublishProperties?
    ) -> Result<Pending?, MosquittoError> {
        if let properties, !properties.isEmpty, configuration.protocolVersion != .v5 {
            return .failure(
                MosquittoError(
                    .notSupported,
                    "MQTT 5 properties cannot be sent over MQTT \(configuration.protocolVersion); set the protocol to 5 or drop the properties"))
        }
        // One C string for the check and the call (a short topic is a small string with no C pointer of its own).
        return topic.withCString { cTopic in
            if let problem = NativeHandle.topicProblem(topic, cTopic: cTopic, isFilter: false) { return .failure(problem) }
            return start(
                .publish, admit: { $0.publish(awaitingAck: qos != .atMostOnce) },
                call: { () throws(MosquittoError) in
                    try core.handle.publish(topic: topic, cTopic: cTopic, payload: payload, qos: qos, retain: retain, properties: properties)
                })
        }
    }

    /// Publishes UTF-8 text.
    public func publish(
        _ topic: String, _ text: String, qos: MQTTQoS = .atLeastOnce, retain: Bool = false,
        properties: MQTTv5.PublishProperties? = nil
    ) async throws(MosquittoError) {
        try await publish(topic, payload: text.utf8, qos: qos, retain: retain, properties: properties)
    }

    /// Subscribes and returns once the broker granted it. The subscription is restored by itself
    /// after a reconnect that lost the session.
    public func subscribe(_ filter: String, qos: MQTTQoS = .atLeastOnce) async throws(MosquittoError) {
        if let problem = NativeHandle.topicProblem(filter, isFilter: true) { throw problem }
        try await perform(.subscribe, admit: { $0.subscribe() }, call: { () throws(MosquittoError) in try core.handle.subscribe(filter, qos: qos) })
        core.machine.withLock { $0.subscriptionGranted(filter, qos: qos) }
    }

    /// Unsubscribes and returns once the broker confirmed.
    public func unsubscribe(_ filter: String) async throws(MosquittoError) {
        if let problem = NativeHandle.topicProblem(filter, isFilter: true) { throw problem }
        try await perform(.unsubscribe, admit: { $0.unsubscribe(filter) }, call: { () throws(MosquittoError) in try core.handle.unsubscribe(filter) })
    }

    /// Sends DISCONNECT (so the broker does not publish the will), stops reconnecting and ends
    /// ``messages`` and ``events``. The first call waits for the network thread (which gives up
    /// sending after 2 s); a call while another is already stopping the client returns at once.
    public func disconnect() async {
        guard core.requestStop() else { return }
        _ = await withCheckedContinuation { (waiter: ClientCore.Waiter) in
            if !core.machine.withLock({ $0.waitForFinish(waiter) }) { waiter.resume(returning: .success(())) }
        }
    }

    /// An operation handed to libmosquitto whose acknowledgement is awaited.
    private typealias Pending = (mid: Int32, ticket: UInt64)

    /// Subscribe or unsubscribe: ``start(_:_:_:)``, then the wait for the broker's answer.
    private func perform(
        _ kind: ClientCore.Machine.AckKind, admit: (inout ClientCore.Machine) -> ClientCore.Machine.Admission,
        call: () throws(MosquittoError) -> Int32
    ) async throws(MosquittoError) {
        try await finish(kind, start(kind, admit: admit, call: call))
    }

    /// Throws what went wrong, or waits for the acknowledgement when one is awaited.
    private func finish(_ kind: ClientCore.Machine.AckKind, _ started: Result<Pending?, MosquittoError>) async throws(MosquittoError) {
        guard let pending = try started.get() else { return }
        try await awaitAck(kind, mid: pending.mid, ticket: pending.ticket).get()
    }

    /// Admission (one lock), then the C call outside the lock; the caller parks (one more lock)
    /// when the admission says an acknowledgement is awaited.
    private func start(
        _ kind: ClientCore.Machine.AckKind, admit: (inout ClientCore.Machine) -> ClientCore.Machine.Admission,
        call: () throws(MosquittoError) -> Int32
    ) -> Result<Pending?, MosquittoError> {
        let ticket: UInt64?
        switch core.machine.withLock({ admit(&$0) }) {
        case .refused(let error): return .failure(error)
        case .send: ticket = nil
        case .admitted(let admitted): ticket = admitted
        }
        do throws(MosquittoError) {
            let mid = try call()
            return .success(ticket.map { (mid, $0) })
        } catch {
            if ticket != nil { core.machine.withLock { $0.notQueued(kind) } }
            return .failure(error)
        }
    }

    private func awaitAck(_ kind: ClientCore.Machine.AckKind, mid: Int32, ticket: UInt64) async -> Result<Void, MosquittoError> {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (waiter: ClientCore.Waiter) in
                if let early = core.machine.withLock({ $0.queued(kind, mid: mid, ticket: ticket, waiter) }) {
                    waiter.resume(returning: early)
                }
            }
        } onCancel: {
            core.machine.withLock { $0.cancelWait(kind, mid: mid, ticket: ticket) }?.resume(
                returning: .failure(AckTable<ClientCore.Waiter>.cancelled))
        }
    }
}
