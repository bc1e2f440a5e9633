import PassiveListener
import Synchronization

/// Collects a listener's sightings in the background, so a test can send frames and then wait, with a
/// deadline, for the ones it expects.
final class SightingRecorder: Sendable {
    private final class State: Sendable {
        let seen = Mutex<[PassiveSighting]>([])
        let ended = Mutex(false)
    }

    private let state: State
    private let task: Task<Void, Never>

    init(_ listener: PassiveListener) {
        let sightings = listener.sightings
        let state = State()
        self.state = state
        task = Task {
            for await sighting in sightings { state.seen.withLock { $0.append(sighting) } }
            state.ended.withLock { $0 = true }
        }
    }

    deinit {
        task.cancel()
    }

    var sightings: [PassiveSighting] { state.seen.withLock { $0 } }

    /// True once the listener's stream has ended.
    var hasEnded: Bool { state.ended.withLock { $0 } }

    /// Waits until `condition` holds for what was heard, at most `limit`; returns whether it did.
    @discardableResult
    func wait(within limit: Duration, until condition: ([PassiveSighting]) -> Bool) async -> Bool {
        let deadline = ContinuousClock.now + limit
        while true {
            if condition(sightings) { return true }
            if ContinuousClock.now >= deadline { return false }
            try? await Task.sleep(for: .milliseconds(5))
        }
    }

    /// Waits until the stream ends, at most `limit`.
    func waitForEnd(within limit: Duration) async -> Bool {
        let deadline = ContinuousClock.now + limit
        while !hasEnded {
            if ContinuousClock.now >= deadline { return false }
            try? await Task.sleep(for: .milliseconds(2))
        }
        return true
    }
}
