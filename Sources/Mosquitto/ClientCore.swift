import Dispatch
import Foundation
import Logging
import Synchronization

/// The object libmosquitto's callbacks reach through its user-data pointer, and the loop thread's
/// home. It owns the native handle; the handle is destroyed when the last of the client and the
/// loop thread lets go of it, so no callback can ever reach a freed object.
final class ClientCore: Sendable {
    let configuration: MQTTConfiguration
    let logger: Logger
    let handle: NativeHandle
    let state = Mutex(ClientState())
    let messages: AsyncStream<MQTTMessage>
    let events: AsyncStream<MQTTConnectionEvent>
    private let messageSink: AsyncStream<MQTTMessage>.Continuation
    private let eventSink: AsyncStream<MQTTConnectionEvent>.Continuation
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
        (messages, messageSink) = AsyncStream.makeStream(of: MQTTMessage.self,
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

    // MARK: - The loop thread

    func startLoopThread() {
        let thread = Thread { [self] in runLoop() }
        thread.name = "mosquitto \(configuration.clientID)"
        thread.start()
    }

    private var brokerName: String { "\(configuration.tls == nil ? "mqtt" : "mqtts")://\(configuration.host):\(configuration.port)" }

    /// Drives libmosquitto: connects, runs `mosquitto_loop`, reconnects with exponential backoff
    /// (libmosquitto 2.0 does not retry a failed first connect by itself), until stopped.
    private func runLoop() {
        logger.info("Connecting to the MQTT broker", metadata: ["mqtt.url": "\(brokerName)"])
        var rc = handle.connectAsync(host: configuration.host, port: configuration.port, keepAlive: configuration.keepAlive)
        while true {
            if rc == NativeCallbacks.successCode {
                repeat {
                    rc = handle.loop(timeoutMilliseconds: 500)
                    if rc == NativeCallbacks.successCode { afterLoopIteration() }
                } while rc == NativeCallbacks.successCode && !stopDeadlinePassed()
            }
            if isStopping { break }
            state.withLock { $0.pendingConnack = nil }
            handle.setLogging(true)
            let error = connectionError(rc)
            let delay = state.withLock { state in
                state.failedAttempts += 1
                let exponent = min(state.failedAttempts - 1, 16)
                let delay = configuration.minimumReconnectDelay * (1 << exponent)
                return min(delay, max(configuration.minimumReconnectDelay, configuration.maximumReconnectDelay))
            }
            reportFailedAttempt(error, retryIn: delay)
            _ = wake.wait(timeout: .now() + .nanoseconds(Int(delay / .nanoseconds(1))))
            if isStopping { break }
            state.withLock { $0.attemptReported = false }
            logger.debug("Reconnecting to the MQTT broker")
            rc = handle.reconnectAsync()
        }
        finishStopping()
    }

    private var isStopping: Bool {
        state.withLock { $0.phase == .stopping || $0.phase == .stopped }
    }

    /// While stopping, the loop runs until DISCONNECT is written (so the broker sends no will),
    /// but never longer than 2 s.
    private func stopDeadlinePassed() -> Bool {
        guard let since = state.withLock({ $0.stopRequestedAt }) else { return false }
        return ContinuousClock.now - since > .seconds(2)
    }

    /// Makes a CONNACK that libmosquitto has finished handling known: state, event, waiters.
    private func announceConnection() {
        let accepted = state.withLock { state -> (sessionPresent: Bool, waiters: [ClientState.ConnectWaiter])? in
            guard let sessionPresent = state.pendingConnack else { return nil }
            state.pendingConnack = nil
            state.connected = true
            state.everConnected = true
            state.attemptReported = true
            state.failedAttempts = 0
            state.lastLoggedProblem = nil
            if !sessionPresent && !state.subscriptions.isEmpty { state.needsResubscribe = true }
            return (sessionPresent, state.takeConnectWaiters())
        }
        guard let accepted else { return }
        // While connected, libmosquitto's log lines only matter for debugging; formatting one per
        // packet costs about a tenth of the publish rate. They come back on for the next connect,
        // where they explain TLS failures.
        if !verboseLibraryLog { handle.setLogging(false) }
        logger.info("Connected to the MQTT broker", metadata: ["mqtt.session_present": "\(accepted.sessionPresent)"])
        eventSink.yield(.connected(sessionPresent: accepted.sessionPresent))
        for waiter in accepted.waiters { waiter.resume(returning: .success(())) }
    }

    private func afterLoopIteration() {
        announceConnection()
        let resubscribe: [(String, MQTTQoS)] = state.withLock { state in
            guard state.needsResubscribe else { return [] }
            state.needsResubscribe = false
            return state.subscriptions.map { ($0.key, $0.value) }
        }
        for (filter, qos) in resubscribe {
            do {
                let ticket = state.withLock { $0.subscribeAcks.stamp }
                let mid = try handle.subscribe(filter, qos: qos)
                state.withLock { $0.subscribeAcks.abandon(mid, ticket: ticket) }
                logger.debug("Restored a subscription after reconnecting", metadata: ["mqtt.filter": "\(filter)"])
            } catch {
                logger.info("Could not restore a subscription after reconnecting", metadata: ["mqtt.filter": "\(filter)", "mqtt.error": "\(error)"])
            }
        }
    }

    private func connectionError(_ rc: Int32) -> MosquittoError {
        let base = MosquittoError.native(rc, "connecting to \(brokerName)")
        guard base.code == .tls || base.code == .protocolError,
              let detail = state.withLock({ $0.lastLoggedProblem }) else {
            return base
        }
        return MosquittoError(base.code, "\(base.message) (\(detail))")
    }

    private func reportFailedAttempt(_ error: MosquittoError, retryIn delay: Duration) {
        let (alreadyReported, waiters) = state.withLock { state -> (Bool, [ClientState.ConnectWaiter]) in
            let reported = state.attemptReported
            state.attemptReported = true
            // A TLS failure on the first connect is a configuration problem: tell connect() now.
            let waiters = !state.everConnected && error.code == .tls ? state.takeConnectWaiters() : []
            return (reported, waiters)
        }
        for waiter in waiters { waiter.resume(returning: .failure(error)) }
        guard !alreadyReported else { return }
        logger.info("MQTT connection attempt failed", metadata: ["mqtt.error": "\(error)", "mqtt.retry_in": "\(delay)"])
        eventSink.yield(.connectFailed(reason: error.message, retryIn: delay))
    }

    private func finishStopping() {
        let (waiters, stopWaiters) = state.withLock { state in
            state.phase = .stopped
            let acks = state.connectionEnded()
            return (state.takeConnectWaiters() + acks, state.stopWaiters)
        }
        let shutDown = MosquittoError(.shutDown, "the MQTT client was disconnected")
        for waiter in waiters { waiter.resume(returning: .failure(shutDown)) }
        messageSink.finish()
        eventSink.finish()
        for waiter in stopWaiters { waiter.resume() }
        logger.info("MQTT client stopped")
    }

    /// Asks the loop thread to send DISCONNECT and end. Returns whether the thread was running.
    func requestStop() -> Bool {
        let wasRunning = state.withLock { state -> Bool in
            switch state.phase {
            case .idle:
                state.phase = .stopped
                return false
            case .running:
                state.phase = .stopping
                state.stopRequestedAt = .now
                return true
            case .stopping, .stopped:
                return false
            }
        }
        if wasRunning {
            _ = handle.disconnect()
            wake.signal()
        }
        return wasRunning
    }

    // MARK: - Callbacks (libmosquitto's thread): record, yield, return

    func didConnect(code: Int32, sessionPresent: Bool) {
        if code == 0 {
            // libmosquitto marks the connection usable only after this callback returns: the loop
            // thread announces it after the loop pass (`announceConnection`), so nobody publishes
            // into a connection that is not active yet.
            state.withLock { $0.pendingConnack = sessionPresent }
            return
        }
        let text = NativeCallbacks.connectRefusalText(code, protocolVersion: configuration.protocolVersion)
        let error = MosquittoError(.connectionRefused, "the broker \(brokerName) refused the connection: \(text)", reasonCode: Int(code))
        let waiters = state.withLock { state in
            state.attemptReported = true
            return state.everConnected ? [] : state.takeConnectWaiters()
        }
        logger.info("The MQTT broker refused the connection", metadata: ["mqtt.reason": "\(text)", "mqtt.reason_code": "\(code)"])
        eventSink.yield(.connectFailed(reason: error.message, retryIn: configuration.minimumReconnectDelay))
        for waiter in waiters { waiter.resume(returning: .failure(error)) }
    }

    func didDisconnect(code: Int32) {
        let expected = state.withLock { $0.phase != .running }
        let reason = code == 0 ? "disconnected" : NativeLibrary.errorText(code)
        let lost = MosquittoError(expected ? .shutDown : .connectionLost, "the connection to \(brokerName) ended (\(reason)) before the broker confirmed")
        let (waiters, wasConnected) = state.withLock { state in
            let wasConnected = state.connected
            return (state.connectionEnded(), wasConnected)
        }
        for waiter in waiters { waiter.resume(returning: .failure(lost)) }
        guard wasConnected else { return }
        logger.info("Disconnected from the MQTT broker", metadata: ["mqtt.reason": "\(reason)", "mqtt.expected": "\(expected)"])
        eventSink.yield(.disconnected(reason: reason, expected: expected))
    }

    func didPublish(mid: Int32, reasonCode: Int32, reasonString: String?) {
        let outcome: Result<Void, MosquittoError>
        if reasonCode >= 0x80 {
            let text = reasonString ?? NativeLibrary.reasonText(reasonCode)
            outcome = .failure(MosquittoError(.publishRejected, "the broker rejected the message: \(text)", reasonCode: Int(reasonCode)))
        } else {
            outcome = .success(())
        }
        state.withLock { $0.publishes.complete(mid, outcome) }?.resume(returning: outcome)
    }

    func didReceive(_ message: MQTTMessage) {
        if case .dropped = messageSink.yield(message) {
            let first = state.withLock { state in
                state.droppedMessages += 1
                return state.droppedMessages == 1
            }
            if first {
                logger.info("Dropping received MQTT messages: the consumer is too slow",
                            metadata: ["mqtt.buffer": "\(configuration.messageBufferSize)", "mqtt.topic": "\(message.topic)"])
            }
        }
    }

    func didSubscribe(mid: Int32, grantedCodes: [Int32]) {
        let outcome: Result<Void, MosquittoError>
        if let refused = grantedCodes.first(where: { $0 >= 0x80 }) {
            outcome = .failure(MosquittoError(.subscriptionRejected,
                                              "the broker refused the subscription: \(NativeLibrary.reasonText(refused))", reasonCode: Int(refused)))
        } else {
            outcome = .success(())
        }
        state.withLock { $0.subscribeAcks.complete(mid, outcome) }?.resume(returning: outcome)
    }

    func didUnsubscribe(mid: Int32) {
        state.withLock { $0.unsubscribeAcks.complete(mid, .success(())) }?.resume(returning: .success(()))
    }

    func didLog(isError: Bool, text: String) {
        if isError {
            state.withLock { $0.lastLoggedProblem = text }
        }
        logger.trace("libmosquitto: \(text)")
    }
}
