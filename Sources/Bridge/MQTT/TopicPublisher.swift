import DequeModule
import Logging
import Mosquitto
import StatusPage
import Synchronization

/// Keeps the broker in step with what the bridge wants retained, whatever the broker does.
///
/// The bridge states what each topic should hold; a single worker publishes what is out of date.
/// A topic that changes again before it went out is sent once, with its latest payload, so a slow
/// or throttling broker costs at most one payload per topic, never a growing queue. After a
/// (re)connect everything is sent again: a broker restarted without persistence has lost it all.
/// Events (not retained) wait in a bounded queue; past its size the oldest are dropped and logged.
final class TopicPublisher: Sendable {
    enum Priority: Int, Sendable, CaseIterable {
        case bridgeState = 0
        case discovery, state
    }

    private struct Entry: Sendable {
        var payload: [UInt8]
        var priority: Priority
    }

    private struct Work: Sendable {
        var topic: String
        var payload: [UInt8]
        var retain: Bool
    }

    private struct State: Sendable {
        var desired: [String: Entry] = [:]
        /// What the broker holds, as far as this connection knows.
        var published: [String: [UInt8]] = [:]
        var dirty: [Deque<String>] = Array(repeating: [], count: Priority.allCases.count)
        var dirtySet: Set<String> = []
        var events: Deque<(String, [UInt8])> = []
        var inFlight = false
        /// Empty retained messages this bridge sent whose copy has not come back on its own
        /// subscriptions yet: what arrives for them is our echo, not a deletion by someone else.
        var unechoedClears: [String: Int] = [:]
        /// Topics whose non-empty payload the broker acknowledged at least once in this run.
        var everPublished: Set<String> = []
        /// Discovery-priority topics wait (until `resendAll`) while the bridge checks what the broker holds.
        var holdingDiscovery = false

        mutating func markDirty(_ topic: String, _ priority: Priority) {
            if dirtySet.insert(topic).inserted {
                dirty[priority.rawValue].append(topic)
            }
        }

        mutating func next() -> Work? {
            for level in dirty.indices {
                if holdingDiscovery && level == Priority.discovery.rawValue { continue }
                while !dirty[level].isEmpty {
                    let topic = dirty[level].removeFirst()
                    dirtySet.remove(topic)
                    guard let entry = desired[topic], published[topic] != entry.payload else { continue }
                    inFlight = true
                    return Work(topic: topic, payload: entry.payload, retain: true)
                }
            }
            if !events.isEmpty {
                let (topic, payload) = events.removeFirst()
                inFlight = true
                return Work(topic: topic, payload: payload, retain: false)
            }
            return nil
        }

        /// Nothing in flight and nothing that could be sent now (held discovery waits).
        var isIdle: Bool {
            !inFlight && events.isEmpty
                && dirty.indices.allSatisfy { dirty[$0].isEmpty || (holdingDiscovery && $0 == Priority.discovery.rawValue) }
        }

        /// Counts off one copy of our own empty message on `topic`; false when none was pending.
        @discardableResult
        mutating func takeEcho(_ topic: String) -> Bool {
            guard let count = unechoedClears[topic] else { return false }
            unechoedClears[topic] = count > 1 ? count - 1 : nil
            return true
        }
    }

    private let state = Mutex(State())
    private let wake = WakeSignal()
    private let logger: Logger
    private let eventQueueLimit: Int
    private let acknowledgementTimeout: Duration

    init(logger: Logger, eventQueueLimit: Int = 1000, acknowledgementTimeout: Duration = .seconds(10)) {
        self.logger = logger
        self.eventQueueLimit = eventQueueLimit
        self.acknowledgementTimeout = acknowledgementTimeout
    }

    /// The topic should hold `payload`, retained.
    func retain(_ topic: String, _ payload: [UInt8], priority: Priority = .state) {
        let changed = state.withLock { state -> Bool in
            if state.desired[topic]?.payload == payload { return false }
            state.desired[topic] = Entry(payload: payload, priority: priority)
            state.markDirty(topic, priority)
            return true
        }
        if changed { wake.signal() }
    }

    func retain(_ topic: String, _ text: String, priority: Priority = .state) {
        retain(topic, Array(text.utf8), priority: priority)
    }

    /// The retained message on `topic` should go (an empty retained publish).
    func clear(_ topic: String) {
        retain(topic, [], priority: .discovery)
    }

    /// Stops keeping `topic` without touching what the broker holds (Home Assistant already
    /// cleared a deleted device's discovery config).
    func drop(_ topic: String) {
        state.withLock { state in
            state.desired.removeValue(forKey: topic)
            state.published.removeValue(forKey: topic)
        }
    }

    /// Stops keeping every topic `matching` says, and every waiting event, without touching what the
    /// broker holds: this node no longer speaks for them (another node leads, or this one holds another's
    /// id).
    func dropAll(matching: (String) -> Bool) {
        state.withLock { state in
            for topic in state.desired.keys where matching(topic) {
                state.desired.removeValue(forKey: topic)
                state.published.removeValue(forKey: topic)
            }
            state.events.removeAll()
        }
    }

    /// Sends `topic`'s payload again although the broker acknowledged it: something else overwrote it
    /// (a late will).
    func republish(_ topic: String) {
        let found = state.withLock { state -> Bool in
            guard let entry = state.desired[topic] else { return false }
            state.published.removeValue(forKey: topic)
            state.markDirty(topic, entry.priority)
            return true
        }
        if found { wake.signal() }
    }

    /// Discovery configs (and clears) wait until the next `resendAll`: the bridge is about to check which
    /// of them Home Assistant deleted while it was away.
    func holdDiscovery() {
        state.withLock { $0.holdingDiscovery = true }
    }

    /// Whether an empty message that arrived on `topic` is the copy of one this bridge sent (counted off).
    func isOwnClear(_ topic: String) -> Bool {
        state.withLock { $0.takeEcho(topic) }
    }

    /// Whether the broker acknowledged a non-empty payload on `topic` in this run.
    func wasPublished(_ topic: String) -> Bool {
        state.withLock { $0.everPublished.contains(topic) }
    }

    /// A message that is not retained, sent once if the broker can be reached soon.
    func send(_ topic: String, _ payload: [UInt8]) {
        let dropped = state.withLock { state -> Bool in
            state.events.append((topic, payload))
            guard state.events.count > eventQueueLimit else { return false }
            state.events.removeFirst()
            return true
        }
        if dropped {
            logger.info("Dropped the oldest unsent event: the broker is not taking messages", metadata: ["mqtt.topic": "\(topic)"])
        }
        wake.signal()
    }

    /// Sends every retained topic again, in priority order: after a (re)connect, or when Home
    /// Assistant comes online.
    func resendAll() {
        state.withLock { state in
            state.holdingDiscovery = false
            state.published.removeAll()
            let ordered = state.desired.sorted { ($0.value.priority.rawValue, $0.key) < ($1.value.priority.rawValue, $1.key) }
            for (topic, entry) in ordered {
                state.markDirty(topic, entry.priority)
            }
        }
        wake.signal()
    }

    /// Publishes until cancelled. While the client is disconnected it waits: `resendAll()` on the
    /// next connection brings everything up to date.
    func run(client: some MessageSink) async {
        while !Task.isCancelled {
            guard let work = state.withLock({ $0.next() }) else {
                await wake.wait(until: nil)
                continue
            }
            if await !send(work, through: client) {
                await wake.wait(until: nil)
            }
        }
    }

    /// Sends what is still waiting, for at most `limit`: the bridge's last words before `offline`,
    /// so a change made just before a shutdown is not lost.
    func flush(through client: some MessageSink, within limit: Duration) async {
        await withTimeout(limit) { [self] in
            while !Task.isCancelled, let work = state.withLock({ $0.next() }) {
                guard await send(work, through: client) else { return }
            }
        }
    }

    /// Publishes one message and records the outcome. Returns false when the connection is gone
    /// (or the bridge is stopping), so the caller waits for the next wake-up.
    private func send(_ work: Work, through client: some MessageSink) async -> Bool {
        defer { state.withLock { $0.inFlight = false } }
        let clearing = work.retain && work.payload.isEmpty
        // Counted before it is handed over: the copy can come back before the acknowledgement.
        if clearing { state.withLock { $0.unechoedClears[work.topic, default: 0] += 1 } }
        do {
            try await publish(work, through: client)
            state.withLock { state in
                if !work.payload.isEmpty { state.everPublished.insert(work.topic) }
                state.published[work.topic] = work.payload
                if work.payload.isEmpty, state.desired[work.topic]?.payload.isEmpty == true, !state.dirtySet.contains(work.topic) {
                    state.desired.removeValue(forKey: work.topic)
                    state.published.removeValue(forKey: work.topic)
                }
            }
            return true
        } catch let error {
            switch error.code {
            case .notConnected:
                // Nothing was handed to libmosquitto. Retained topics all go out again on the
                // next connection; an event waits for it.
                state.withLock { state in
                    if !work.retain { state.events.prepend((work.topic, work.payload)) }
                    if clearing { state.takeEcho(work.topic) }
                }
                return false
            case .connectionLost, .shutDown:
                // libmosquitto keeps an unacknowledged message and sends it again after the
                // reconnect: queueing the event again would send it twice.
                return false
            case .cancelled where Task.isCancelled:
                // The bridge is stopping.
                return false
            case .cancelled:
                // No acknowledgement in time on a connection that looks alive. A retained topic is
                // stated again (the newest payload wins anyway). An event is not: libmosquitto still holds
                // it and sends it again after a reconnect, and a second copy would be a second arrival.
                logger.info(
                    "No acknowledgement from the broker in time",
                    metadata: [
                        "mqtt.topic": "\(work.topic)",
                        "bridge.consequence": "\(work.retain ? "sending again" : "libmosquitto sends it again after a reconnect")",
                    ])
                state.withLock { state in
                    if work.retain, let entry = state.desired[work.topic] {
                        state.markDirty(work.topic, entry.priority)
                    }
                }
                return true
            default:
                logger.error(
                    "The broker refused a message; it will not be retried",
                    metadata: [
                        "mqtt.topic": "\(work.topic)", "mqtt.error": "\(error)",
                    ])
                return true
            }
        }
    }

    /// Publishes with QoS 1 and waits for the acknowledgement at most `acknowledgementTimeout`, so
    /// that one lost acknowledgement can never stall the bridge's publishing for good.
    private func publish(_ work: Work, through client: some MessageSink) async throws(MosquittoError) {
        let timeout = acknowledgementTimeout
        let outcome = await withTaskGroup(of: Result<Void, MosquittoError>?.self) { group in
            group.addTask {
                do {
                    try await client.publish(work.topic, payload: work.payload, retain: work.retain)
                    return .success(())
                } catch let error as MosquittoError {
                    return .failure(error)
                } catch {
                    return .failure(MosquittoError(.unknown, "\(error)"))
                }
            }
            group.addTask {
                try? await Task.sleep(for: timeout)
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first ?? .failure(MosquittoError(.cancelled, "no acknowledgement within \(timeout)"))
        }
        try outcome.get()
    }

    /// Topics and events waiting to go out (the status page's publish queue depth).
    var backlog: Int {
        state.withLock { $0.dirtySet.count + $0.events.count }
    }

    /// What `topic` should hold (nil: nothing is kept for it), for tests and the status of the bridge.
    func desiredPayload(_ topic: String) -> [UInt8]? {
        state.withLock { $0.desired[topic]?.payload }
    }

    /// The events waiting to go out, oldest first.
    func pendingEvents() -> [(topic: String, payload: [UInt8])] {
        state.withLock { $0.events.map { (topic: $0.0, payload: $0.1) } }
    }

    /// Returns once everything wanted has gone out, or at `deadline`. Polls: it serves shutdown
    /// and tests, never the publish path.
    func waitUntilIdle(deadline: ContinuousClock.Instant) async {
        while !state.withLock({ $0.isIdle }), ContinuousClock.now < deadline, !Task.isCancelled {
            try? await Task.sleep(for: .milliseconds(20))
        }
    }
}
