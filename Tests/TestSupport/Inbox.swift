import Synchronization

/// Collects the elements of an async sequence (a client's messages or events) as they arrive, so
/// a test can wait for them with a deadline. Every wait is bounded and fails with a message that
/// says what was awaited and what arrived instead.
///
/// It consumes the sequence on a task of its own until the sequence ends or the inbox is released.
public final class Inbox<Element: Sendable>: Sendable {
    private let consumer: Task<Void, Never>

    private struct State {
        var pending: [Element] = []
        var received = 0
        var finished = false
    }

    public init<Source: AsyncSequence & Sendable>(_ source: Source) where Source.Element == Element, Source.Failure == Never {
        let box = Box()
        self.box = box
        consumer = Task {
            for await element in source {
                box.value.withLock { state in
                    state.pending.append(element)
                    state.received += 1
                }
            }
            box.value.withLock { $0.finished = true }
        }
    }

    /// The state, shared with the consuming task, which must not keep the inbox alive.
    private let box: Box
    private final class Box: Sendable {
        let value = Mutex(State())
    }

    deinit {
        consumer.cancel()
    }

    /// How many elements have arrived since the start.
    public var receivedCount: Int { box.value.withLock { $0.received } }

    /// Whether the source sequence has ended.
    public var isFinished: Bool { box.value.withLock { $0.finished } }

    /// Takes whatever has arrived and not been taken yet, without waiting.
    public func drain() -> [Element] {
        box.value.withLock { state in
            defer { state.pending.removeAll() }
            return state.pending
        }
    }

    /// The next element, waiting at most `limit`.
    public func next(within limit: Duration = .seconds(5), _ what: String = "the next element") async throws -> Element {
        try await take(1, within: limit, what)[0]
    }

    /// The next `count` elements, waiting at most `limit` for all of them.
    public func take(_ count: Int, within limit: Duration = .seconds(5), _ what: String = "elements") async throws -> [Element] {
        try await poll(within: limit) { state in
            guard state.pending.count >= count else {
                return state.finished ? .fail("the sequence ended after \(state.pending.count) of \(count) \(what)") : .wait
            }
            defer { state.pending.removeFirst(count) }
            return .done(Array(state.pending.prefix(count)))
        } timeout: { state in
            "timed out after \(limit) waiting for \(count) \(what): \(state.pending.count) arrived: \(Self.summary(state.pending))"
        }
    }

    /// Skips elements until one matches, waiting at most `limit`; returns it (the skipped ones are gone).
    public func first(within limit: Duration = .seconds(5), _ what: String, where matches: (Element) -> Bool) async throws -> Element {
        var skipped: [Element] = []
        return try await poll(within: limit) { state in
            while !state.pending.isEmpty {
                let element = state.pending.removeFirst()
                if matches(element) { return .done(element) }
                skipped.append(element)
            }
            return state.finished ? .fail("the sequence ended before \(what) arrived; skipped: \(Self.summary(skipped))") : .wait
        } timeout: { _ in
            "timed out after \(limit) waiting for \(what); arrived instead: \(Self.summary(skipped))"
        }
    }

    /// Waits `period` and fails if anything arrived in it (or had arrived untaken before).
    public func expectNothing(for period: Duration, _ what: String = "nothing") async throws {
        try await Task.sleep(for: period)
        let arrived = drain()
        guard arrived.isEmpty else {
            throw HarnessError("expected \(what) within \(period), but \(arrived.count) arrived: \(Self.summary(arrived))")
        }
    }

    private enum Step<Value> {
        case wait
        case done(Value)
        case fail(String)
    }

    private func poll<Value: Sendable>(
        within limit: Duration, _ step: (inout State) -> Step<Value>,
        timeout: (State) -> String
    ) async throws -> Value {
        let deadline = ContinuousClock.now + limit
        while true {
            switch box.value.withLock({ step(&$0) }) {
            case .done(let value): return value
            case .fail(let message): throw HarnessError(message)
            case .wait: break
            }
            if ContinuousClock.now >= deadline {
                throw HarnessError(box.value.withLock { timeout($0) })
            }
            try await Task.sleep(for: .milliseconds(2))
        }
    }

    private static func summary(_ elements: [Element]) -> String {
        let shown = elements.prefix(5).map { "\($0)" }.joined(separator: ", ")
        return elements.count > 5 ? "[\(shown), ... \(elements.count - 5) more]" : "[\(shown)]"
    }
}
