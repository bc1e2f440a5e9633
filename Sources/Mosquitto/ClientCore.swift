import Dispatch
import Foundation
import Logging
import Synchronization

/// The object libmosquitto's callbacks reach through its user-data pointer, and the loop thread's
/// home. It owns the native handle; the handle is destroyed when the last of the client and the
/// loop thread lets go of it, so no callback can ever reach a freed object.
///
/// All mutable state is the ``ClientStateMachine`` in `machine`; each method here feeds it one event
/// under the lock and then performs the returned action outside it.
final class ClientCore: Sendable {
    typealias Waiter = CheckedContinuation<Result<Void, MosquittoError>, Never>
    typealias Machine = ClientStateMachine<Waiter>

    let configuration: MQTTConfiguration
    let logger: Logger
    /// `mqtt://host:port` or `mqtts://host:port`.
    let brokerName: String
    let handle: NativeHandle
    let machine: Mutex<Machine>
    let messages: AsyncStream<MQTTMessage>
    let events: AsyncStream<MQTTConnectionEvent>
    private let messageSink: AsyncStream<MQTTMessage>.Continuation
    private let eventSink: AsyncStream<MQTTConnectionEvent>.Continuation
    /// Ids for connection waits, so that a cancellation finds its own waiter.
    private let nextWaitID = Atomic<UInt64>(0)
    /// Whether libmosquitto's own log lines stay on while connected (the logger wants trace).
    private var verboseLibraryLog: Bool { logger.logLevel <= .trace }
    /// Wakes the loop thread from a reconnect delay when the client is stopped.
    private let wake = DispatchSemaphore(value: 0)

    init(configuration: MQTTConfiguration, logger: Logger) throws(MosquittoError) {
        self.configuration = configuration
        var logger = logger
        logger[metadataKey: "mqtt.broker"] = "\(configuration.host):\(configuration.port)"
        logger[metadataKey: "mqtt.client_id"] = "\(configuration.clientID)"
        self.logger = logger
        brokerName = "\(configuration.tls == nil ? "mqtt" : "mqtts")://\(configuration.host):\(configuration.port)"
        machine = Mutex(
            Machine(
                settings: .init(
                    brokerName: brokerName,
                    protocolVersion: configuration.protocolVersion,
                    minimumReconnectDelay: configuration.minimumReconnectDelay,
                    maximumReconnectDelay: configuration.maximumReconnectDelay)))
        (messages, messageSink) = AsyncStream.makeStream(
            of: MQTTMessage.self,
            bufferingPolicy: .bufferingOldest(max(1, configuration.messageBufferSize)))
        (events, eventSink) = AsyncStream.makeStream(of: MQTTConnectionEvent.self, bufferingPolicy: .bufferingNewest(1000))
        handle = try NativeHandle(clientID: configuration.clientID, cleanSession: configuration.cleanSession)
        // Every stored property is set from here on, so a throw runs deinit, which destroys the handle:
        // destroying it here as well freed it twice (heap corruption after any TLS set-up error).
        try handle.configure(configuration)
        handle.install(self)
    }

    deinit {
        handle.destroy()
    }

    func makeWaitID() -> UInt64 {
        nextWaitID.wrappingAdd(1, ordering: .relaxed).newValue
    }

    static func resume(_ resumptions: [Machine.Resumption]) {
        for (waiter, outcome) in resumptions { waiter.resume(returning: outcome) }
    }

    // MARK: - The loop thread

    func startLoopThread() {
        let thread = Thread { [self] in runLoop() }
        thread.name = "mosquitto \(configuration.clientID)"
        thread.start()
    }

    /// Drives libmosquitto: connects, runs `mosquitto_loop`, reconnects with exponential backoff
    /// (libmosquitto 2.0 does not retry a failed first connect by itself), until stopped.
    private func runLoop() {
        logger.info("Connecting to the MQTT broker", metadata: ["mqtt.url": "\(brokerName)"])
        var rc = handle.connectAsync(host: configuration.host, port: configuration.port, keepAlive: configuration.keepAlive)
        connection: while true {
            while rc.isSuccess {
                rc = handle.loop(timeoutMilliseconds: 500)
                guard rc.isSuccess else { break }
                let pass = machine.withLock { $0.loopPassEnded(now: .now) }
                Self.resume(pass.resume)
                if pass.stop { break connection }
                if let announce = pass.announce { announceConnection(sessionPresent: announce.sessionPresent, waiters: announce.waiters) }
                restore(pass.resubscribe)
            }
            handle.setLogging(true)
            switch machine.withLock({ $0.loopFailed(rc) }) {
            case .stop:
                break connection
            case .retry(let delay, let report, let resume):
                Self.resume(resume)
                if let report {
                    logger.info("MQTT connection attempt failed", metadata: ["mqtt.error": "\(report)", "mqtt.retry_in": "\(delay)"])
                    eventSink.yield(.connectFailed(reason: report.message, retryIn: delay))
                }
                _ = wake.wait(timeout: .now() + .nanoseconds(Int(delay / .nanoseconds(1))))
            }
            guard machine.withLock({ $0.retryDue() }) else { break }
            logger.debug("Reconnecting to the MQTT broker")
            rc = handle.reconnectAsync()
        }
        let finish = machine.withLock { $0.loopEnded() }
        Self.resume(finish.resume)
        messageSink.finish()
        eventSink.finish()
        for waiter in finish.finishWaiters { waiter.resume(returning: .success(())) }
        logger.info("MQTT client stopped")
    }

    private func announceConnection(sessionPresent: Bool, waiters: [Waiter]) {
        // While connected, libmosquitto's log lines only matter for debugging; formatting one per
        // packet costs about a tenth of the publish rate. They come back on for the next connect,
        // where they explain TLS failures.
        if !verboseLibraryLog { handle.setLogging(false) }
        logger.info("Connected to the MQTT broker", metadata: ["mqtt.session_present": "\(sessionPresent)"])
        eventSink.yield(.connected(sessionPresent: sessionPresent))
        for waiter in waiters { waiter.resume(returning: .success(())) }
    }

    /// Subscribes again to what a session-less reconnect lost; nobody awaits these SUBACKs.
    private func restore(_ subscriptions: [(filter: String, qos: MQTTQoS)]) {
        for (filter, qos) in subscriptions {
            do {
                _ = try handle.subscribe(filter, qos: qos)
                logger.debug("Restored a subscription after reconnecting", metadata: ["mqtt.filter": "\(filter)"])
            } catch {
                logger.info("Could not restore a subscription after reconnecting", metadata: ["mqtt.filter": "\(filter)", "mqtt.error": "\(error)"])
            }
        }
    }

    /// `disconnect()`: tells the loop thread to send DISCONNECT and end. Returns whether it was running.
    func requestStop() -> Bool {
        let wasRunning = machine.withLock { $0.shutdown(now: .now) }
        if wasRunning {
            _ = handle.disconnect()
            wake.signal()
        }
        return wasRunning
    }

    // MARK: - Callbacks (libmosquitto's thread): one event each, then act

    func didConnect(_ code: MQTTReasonCode, sessionPresent: Bool) {
        guard case .refused(let error, let text, let failing) = machine.withLock({ $0.connackReceived(code, sessionPresent: sessionPresent) }) else {
            return
        }
        logger.info("The MQTT broker refused the connection", metadata: ["mqtt.reason": "\(text)", "mqtt.reason_code": "\(code.rawValue)"])
        eventSink.yield(.connectFailed(reason: error.message, retryIn: configuration.minimumReconnectDelay))
        Self.resume(failing)
    }

    func didDisconnect(_ code: MosquittoReturnCode) {
        let action = machine.withLock { $0.disconnected(code) }
        Self.resume(action.failing)
        guard action.wasConnected else { return }
        logger.info("Disconnected from the MQTT broker", metadata: ["mqtt.reason": "\(action.reason)", "mqtt.expected": "\(action.expected)"])
        eventSink.yield(.disconnected(reason: action.reason, expected: action.expected))
    }

    func didPublish(mid: Int32, reasonCode: MQTTReasonCode, reasonString: String?) {
        let outcome: Result<Void, MosquittoError>
        if reasonCode.isFailure {
            let text = reasonString ?? reasonCode.reasonText
            outcome = .failure(MosquittoError(.publishRejected, "the broker rejected the message: \(text)", reasonCode: Int(reasonCode.rawValue)))
        } else {
            outcome = .success(())
        }
        acknowledged(.publish, mid: mid, outcome)
    }

    func didReceive(_ message: MQTTMessage) {
        guard case .dropped = messageSink.yield(message), machine.withLock({ $0.messageDropped() }) else { return }
        logger.info(
            "Dropping received MQTT messages: the consumer is too slow",
            metadata: ["mqtt.buffer": "\(configuration.messageBufferSize)", "mqtt.topic": "\(message.topic)"])
    }

    func didSubscribe(mid: Int32, granted: [MQTTReasonCode]) {
        let outcome: Result<Void, MosquittoError>
        if let refused = granted.first(where: \.isFailure) {
            outcome = .failure(
                MosquittoError(
                    .subscriptionRejected,
                    "the broker refused the subscription: \(refused.reasonText)", reasonCode: Int(refused.rawValue)))
        } else {
            outcome = .success(())
        }
        acknowledged(.subscribe, mid: mid, outcome)
    }

    func didUnsubscribe(mid: Int32) {
        acknowledged(.unsubscribe, mid: mid, .success(()))
    }

    private func acknowledged(_ kind: Machine.AckKind, mid: Int32, _ outcome: Result<Void, MosquittoError>) {
        machine.withLock { $0.acknowledged(kind, mid: mid, outcome) }
    }

    func didLog(isProblem: Bool, text: String) {
        if isProblem { machine.withLock { $0.problemLogged(text) } }
        logger.trace("libmosquitto: \(text)")
    }
}
