/// Everything mutable about one client, held in one `Mutex` by ``ClientCore``, in the manner of
/// swift-kafka-client's `KafkaProducer.StateMachine`: every libmosquitto callback and every API
/// call is an event (a mutating method); each returns what must happen next, and the caller does it
/// after the lock is released (resume waiters, yield events, call libmosquitto, log).
///
/// Generic over `Waiter` so that the tests drive it with plain values, without a broker, a thread or
/// a continuation; the client uses `CheckedContinuation<Result<Void, MosquittoError>, Never>`.
struct ClientStateMachine<Waiter: Sendable>: Sendable {
    typealias Outcome = Result<Void, MosquittoError>
    typealias Resumption = (waiter: Waiter, outcome: Outcome)

    enum State: Sendable, Equatable {
        /// Made, `connect()` not called yet: no thread, no network.
        case initial
        /// The loop thread runs and no connection is usable: an attempt is under way, or the
        /// connection just dropped and the loop is about to say so. `connack`: the broker accepted
        /// (session present or not) in `on_connect`; announced after the loop pass, because
        /// libmosquitto marks the connection active only once that callback has returned.
        case connecting(connack: Bool?)
        /// The broker accepted the connection and it has not dropped since.
        case connected(sessionPresent: Bool)
        /// An attempt failed or the connection ended; the loop thread waits, then tries again.
        case backingOff(attempt: Int, delay: Duration)
        /// `disconnect()` was called: DISCONNECT is on its way, the loop runs until it is written
        /// (so the broker sends no will) but not past `since` + the stop grace period.
        /// `connected`: the connection is still up (its end is announced, as expected).
        case shuttingDown(since: ContinuousClock.Instant, connected: Bool)
        /// The loop thread has ended and every waiter has been answered. Final.
        case finished
    }

    /// Which acknowledgement table an operation waits in.
    enum AckKind: Sendable, CaseIterable {
        case publish, subscribe, unsubscribe
    }

    struct Settings: Sendable {
        /// `mqtt://host:port` or `mqtts://host:port`, for messages.
        var brokerName: String
        var protocolVersion: MQTTProtocolVersion = .v5
        var minimumReconnectDelay: Duration = .seconds(1)
        var maximumReconnectDelay: Duration = .seconds(30)
        /// How long a shutdown waits for DISCONNECT to be written.
        var stopGracePeriod: Duration = .seconds(2)
    }

    let settings: Settings
    private(set) var state: State = .initial
    private var everConnected = false
    /// Whether the current attempt already told the world how it went.
    private var attemptReported = false
    private var failedAttempts = 0
    private var connectWaiters: [UInt64: Waiter] = [:]
    private var finishWaiters: [Waiter] = []
    private var publishes = AckTable<Waiter>()
    private var subscribeAcks = AckTable<Waiter>()
    private var unsubscribeAcks = AckTable<Waiter>()
    /// Filters to restore when the broker lost our session.
    private(set) var subscriptions: [String: MQTTQoS] = [:]
    /// The last error or warning libmosquitto logged: OpenSSL puts its reasons there.
    private var lastLoggedProblem: String?
    private var droppedMessages = 0
    /// Waiters whose acknowledgement came in the current loop pass, resumed together after it,
    /// outside libmosquitto's callback (which runs holding libmosquitto's callback mutex).
    private var acknowledgedWaiters: [Resumption] = []

    init(settings: Settings) {
        self.settings = settings
    }

    var isConnected: Bool {
        switch state {
        case .connected, .shuttingDown(_, connected: true): true
        default: false
        }
    }

    /// Running: between `connect()` and `disconnect()`.
    private var isRunning: Bool {
        switch state {
        case .connecting, .connected, .backingOff: true
        case .initial, .shuttingDown, .finished: false
        }
    }

    private static var shutDown: MosquittoError { MosquittoError(.shutDown, "this MQTT client was disconnected") }

    // MARK: - Events from the API (any thread)

    enum ConnectAction: Sendable, Equatable {
        case startLoopThread
        /// Already running: just wait.
        case none
        case fail(MosquittoError)
    }

    mutating func connect() -> ConnectAction {
        switch state {
        case .initial:
            state = .connecting(connack: nil)
            return .startLoopThread
        case .connecting, .connected, .backingOff:
            return .none
        case .shuttingDown, .finished:
            return .fail(MosquittoError(.shutDown, "this MQTT client was disconnected; create a new one to connect again"))
        }
    }

    /// A caller waits for the connection: returns the outcome now, or nil when the waiter is parked.
    mutating func waitForConnection(id: UInt64, isCancelled: Bool, _ waiter: Waiter) -> Outcome? {
        if isConnected { return .success(()) }
        guard isRunning else { return .failure(MosquittoError(.shutDown, "the MQTT client was disconnected before it connected")) }
        if isCancelled { return .failure(Self.connectWaitCancelled) }
        connectWaiters[id] = waiter
        return nil
    }

    mutating func cancelConnectionWait(id: UInt64) -> Waiter? {
        connectWaiters.removeValue(forKey: id)
    }

    static var connectWaitCancelled: MosquittoError { MosquittoError(.cancelled, "the wait for the MQTT connection was cancelled") }

    enum Admission: Sendable, Equatable {
        /// Make the C call, then park with this ticket (or withdraw when the call fails).
        case admitted(ticket: UInt64)
        /// Make the C call; nobody waits for an acknowledgement (QoS 0).
        case send
        case refused(MosquittoError)
    }

    /// A publish wants to go out. Refused while not connected: libmosquitto would keep a QoS 1/2
    /// message it cannot send and replay it, stale, after the reconnect.
    mutating func publish(awaitingAck: Bool) -> Admission {
        if let refusal = refusal(requiringConnection: true) { return .refused(refusal) }
        return awaitingAck ? .admitted(ticket: publishes.admit()) : .send
    }

    mutating func subscribe() -> Admission {
        if let refusal = refusal(requiringConnection: false) { return .refused(refusal) }
        return .admitted(ticket: subscribeAcks.admit())
    }

    /// Forgets the filter at once (no restore after a reconnect), whatever the broker answers.
    mutating func unsubscribe(_ filter: String) -> Admission {
        subscriptions.removeValue(forKey: filter)
        if let refusal = refusal(requiringConnection: false) { return .refused(refusal) }
        return .admitted(ticket: unsubscribeAcks.admit())
    }

    private func refusal(requiringConnection: Bool) -> MosquittoError? {
        switch state {
        case .connected: nil
        case .connecting, .backingOff:
            requiringConnection ? MosquittoError(.notConnected, "not connected to the broker; nothing was sent") : nil
        case .initial: MosquittoError(.notConnected, "not connected: call connect() first")
        case .shuttingDown, .finished: Self.shutDown
        }
    }

    /// The admitted C call succeeded with message id `mid`: park, or take the outcome that came first.
    /// After the loop thread has ended nobody would ever resume a parked waiter: it hears so at once.
    mutating func queued(_ kind: AckKind, mid: Int32, ticket: UInt64, _ waiter: Waiter) -> Outcome? {
        if state == .finished {
            update(kind) { $0.withdraw() }
            return .failure(MosquittoError(.shutDown, "the MQTT client was disconnected"))
        }
        return update(kind) { $0.park(mid, ticket: ticket, waiter) }
    }

    /// The admitted C call failed: nobody will park for it.
    mutating func notQueued(_ kind: AckKind) {
        update(kind) { $0.withdraw() }
    }

    mutating func cancelWait(_ kind: AckKind, mid: Int32, ticket: UInt64) -> Waiter? {
        update(kind) { $0.cancel(mid, ticket: ticket) }
    }

    /// The broker granted a subscription: restore it whenever a reconnect loses the session.
    mutating func subscriptionGranted(_ filter: String, qos: MQTTQoS) {
        subscriptions[filter] = qos
    }

    /// `disconnect()`: true when the loop thread runs and must be told (send DISCONNECT, wake it),
    /// and the caller waits for ``loopEnded()``.
    mutating func shutdown(now: ContinuousClock.Instant) -> Bool {
        switch state {
        case .initial:
            state = .finished
            return false
        case .connecting, .connected, .backingOff:
            state = .shuttingDown(since: now, connected: isConnected)
            return true
        case .shuttingDown, .finished:
            return false
        }
    }

    /// A caller waits for the end of the loop thread: false when it has already ended (resume now).
    mutating func waitForFinish(_ waiter: Waiter) -> Bool {
        guard state != .finished else { return false }
        finishWaiters.append(waiter)
        return true
    }

    // MARK: - Events from libmosquitto's callbacks and the loop thread

    enum ConnackAction: Sendable {
        /// Accepted: announced after the loop pass (``loopPassEnded(now:)``).
        case none
        /// Refused: log it, yield `connectFailed`, fail these (the first connect's waiters).
        case refused(MosquittoError, reasonText: String, failing: [Resumption])
    }

    /// `on_connect`.
    mutating func connackReceived(_ code: MQTTReasonCode, sessionPresent: Bool) -> ConnackAction {
        if code.isConnackAccepted {
            if case .connecting = state { state = .connecting(connack: sessionPresent) }
            return .none
        }
        let text = code.connackText(protocolVersion: settings.protocolVersion)
        let error = MosquittoError(
            .connectionRefused, "the broker \(settings.brokerName) refused the connection: \(text)",
            reasonCode: Int(code.rawValue))
        attemptReported = true
        let failing = everConnected ? [] : takeConnectWaiters(error)
        return .refused(error, reasonText: text, failing: failing)
    }

    struct LoopPassAction: Sendable {
        /// The connection became usable: log, turn the library's log off, yield `connected`, resume.
        var announce: (sessionPresent: Bool, waiters: [Waiter])?
        /// Subscriptions the broker forgot (no session): subscribe again, nobody awaits the SUBACK.
        var resubscribe: [(filter: String, qos: MQTTQoS)] = []
        /// Shutting down and the grace period is over: leave the loop.
        var stop = false
        /// Acknowledgements that came during the pass.
        var resume: [Resumption] = []
    }

    /// One `mosquitto_loop` pass returned success. The loop thread's only lock per pass; the clock
    /// is read only while shutting down.
    mutating func loopPassEnded(now: @autoclosure () -> ContinuousClock.Instant) -> LoopPassAction {
        var action = LoopPassAction(resume: takeAcknowledged())
        switch state {
        case .connecting(connack: .some(let sessionPresent)):
            state = .connected(sessionPresent: sessionPresent)
            everConnected = true
            attemptReported = true
            failedAttempts = 0
            lastLoggedProblem = nil
            action.announce = (sessionPresent, Array(connectWaiters.values))
            connectWaiters.removeAll()
            if !sessionPresent {
                action.resubscribe = subscriptions.sorted { $0.key < $1.key }.map { (filter: $0.key, qos: $0.value) }
            }
        case .shuttingDown(let since, _):
            action.stop = now() - since > settings.stopGracePeriod
        case .initial, .connecting, .connected, .backingOff, .finished:
            break
        }
        return action
    }

    struct DisconnectAction: Sendable {
        var failing: [Resumption]
        /// Whether a connection that was announced ended (log it, yield `disconnected`).
        var wasConnected: Bool
        /// Whether it ended because of our own `disconnect()`.
        var expected: Bool
        var reason: String
    }

    /// `on_disconnect`: every pending acknowledgement fails (libmosquitto keeps QoS 1/2 messages and
    /// sends them again after the reconnect; the caller decides whether to send again).
    mutating func disconnected(_ code: MosquittoReturnCode) -> DisconnectAction {
        let expected = !isRunning
        let wasConnected = isConnected
        switch state {
        case .connecting, .connected: state = .connecting(connack: nil)
        case .shuttingDown(let since, _): state = .shuttingDown(since: since, connected: false)
        case .initial, .backingOff, .finished: break
        }
        let reason = code.isSuccess ? "disconnected" : code.description
        let error = MosquittoError(
            expected ? .shutDown : .connectionLost,
            "the connection to \(settings.brokerName) ended (\(reason)) before the broker confirmed")
        return DisconnectAction(failing: failAcks(error), wasConnected: wasConnected, expected: expected, reason: reason)
    }

    /// `on_publish`, `on_subscribe`, `on_unsubscribe`: its waiter, if any, is resumed with `outcome`
    /// when the loop pass ends (``loopPassEnded(now:)``, ``loopFailed(_:)`` or ``loopEnded()``).
    mutating func acknowledged(_ kind: AckKind, mid: Int32, _ outcome: Outcome) {
        if let waiter = update(kind, { $0.complete(mid, outcome) }) {
            acknowledgedWaiters.append((waiter, outcome))
        }
    }

    enum LoopFailureAction: Sendable {
        /// Resume `resume` (acknowledgements of the pass; TLS failing the first connect), then wait
        /// `delay` (woken early by a shutdown) and call ``retryDue()``. `report`: log it and yield
        /// `connectFailed` (once per attempt).
        case retry(after: Duration, report: MosquittoError?, resume: [Resumption])
        /// Shutting down: leave the loop (``loopEnded()`` resumes whoever is left).
        case stop
    }

    /// The connect call or a loop pass failed with `code`.
    mutating func loopFailed(_ code: MosquittoReturnCode) -> LoopFailureAction {
        guard isRunning else { return .stop }
        failedAttempts += 1
        let exponent = min(failedAttempts - 1, 16)
        let minimum = settings.minimumReconnectDelay
        let delay = min(minimum * (1 << exponent), max(minimum, settings.maximumReconnectDelay))
        state = .backingOff(attempt: failedAttempts, delay: delay)
        var error = code.error("connecting to \(settings.brokerName)")
        if error.code == .tls || error.code == .protocolError, let detail = lastLoggedProblem {
            error = MosquittoError(error.code, "\(error.message) (\(detail))")
        }
        // A TLS failure on the first connect is a configuration problem: tell connect() now.
        let failing = !everConnected && error.code == .tls ? takeConnectWaiters(error) : []
        let report = attemptReported ? nil : error
        attemptReported = true
        return .retry(after: delay, report: report, resume: takeAcknowledged() + failing)
    }

    /// The backoff delay is over (or a shutdown woke the thread): true to reconnect, false to stop.
    mutating func retryDue() -> Bool {
        guard isRunning else { return false }
        state = .connecting(connack: nil)
        attemptReported = false
        return true
    }

    struct FinishAction: Sendable {
        /// Acknowledgements of the last pass, then everybody else, who hears the client stopped.
        var resume: [Resumption]
        var finishWaiters: [Waiter]
    }

    /// The loop thread is done: everybody still waiting hears that the client was disconnected.
    mutating func loopEnded() -> FinishAction {
        state = .finished
        let error = MosquittoError(.shutDown, "the MQTT client was disconnected")
        let resume = takeAcknowledged() + takeConnectWaiters(error) + failAcks(error)
        defer { finishWaiters.removeAll() }
        return FinishAction(resume: resume, finishWaiters: finishWaiters)
    }

    /// libmosquitto logged an error or a warning.
    mutating func problemLogged(_ text: String) {
        lastLoggedProblem = text
    }

    /// The message buffer was full: true for the first drop (log it once).
    mutating func messageDropped() -> Bool {
        droppedMessages += 1
        return droppedMessages == 1
    }

    // MARK: - Helpers

    private mutating func update<Value>(_ kind: AckKind, _ body: (inout AckTable<Waiter>) -> Value) -> Value {
        switch kind {
        case .publish: body(&publishes)
        case .subscribe: body(&subscribeAcks)
        case .unsubscribe: body(&unsubscribeAcks)
        }
    }

    /// Called on every loop pass: allocates nothing when nothing was acknowledged.
    private mutating func takeAcknowledged() -> [Resumption] {
        guard !acknowledgedWaiters.isEmpty else { return [] }
        var taken: [Resumption] = []
        swap(&taken, &acknowledgedWaiters)
        return taken
    }

    private mutating func takeConnectWaiters(_ error: MosquittoError) -> [Resumption] {
        defer { connectWaiters.removeAll() }
        return connectWaiters.values.map { ($0, .failure(error)) }
    }

    private mutating func failAcks(_ error: MosquittoError) -> [Resumption] {
        AckKind.allCases.flatMap { kind in update(kind) { $0.failAll() }.map { ($0, .failure(error)) } }
    }
}
