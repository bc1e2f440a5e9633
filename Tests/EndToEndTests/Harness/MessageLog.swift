import Foundation
import Mosquitto
import Synchronization

/// Everything a subscriber saw, with the time it arrived, for assertions about order and timing.
final class MessageLog: Sendable {
    struct Entry: Sendable {
        var at: Date
        var message: MQTTMessage
    }

    private let consumer: Task<Void, Never>

    init(_ messages: MQTTMessages) {
        let box = Box()
        self.box = box
        consumer = Task {
            for await message in messages {
                box.entries.withLock { $0.append(Entry(at: Date(), message: message)) }
            }
        }
    }

    private let box: Box
    private final class Box: Sendable {
        let entries = Mutex<[Entry]>([])
    }

    deinit { consumer.cancel() }

    var all: [Entry] { box.entries.withLock { $0 } }

    func on(_ topic: String, since: Date = .distantPast) -> [Entry] {
        all.filter { $0.message.topic == topic && $0.at >= since }
    }

    /// The latest payload on `topic` as text, or nil.
    func latest(_ topic: String) -> String? {
        on(topic).last?.message.string
    }

    /// Waits (bounded) until `check` finds what it wants in the log.
    func wait<T>(
        _ what: String, within limit: Duration, since: Date = .distantPast,
        _ check: ([Entry]) -> T?
    ) async throws -> T {
        let deadline = ContinuousClock.now + limit
        while true {
            if let found = check(all.filter { $0.at >= since }) { return found }
            guard ContinuousClock.now < deadline else {
                let seen = all.suffix(12).map { "\($0.message.topic)=\($0.message.string.prefix(80))" }.joined(separator: "\n  ")
                throw EndToEndError("timed out after \(limit) waiting for \(what); the last messages:\n  \(seen)")
            }
            try await Task.sleep(for: .milliseconds(50))
        }
    }

    /// Waits for a message on `topic` whose text satisfies `matches`; returns the entry.
    func waitFor(
        _ topic: String, within limit: Duration, since: Date = .distantPast,
        _ what: String? = nil, where matches: @escaping (String) -> Bool = { _ in true }
    ) async throws -> Entry {
        try await wait(what ?? "a message on \(topic)", within: limit, since: since) { entries in
            entries.first { $0.message.topic == topic && matches($0.message.string) }
        }
    }
}
