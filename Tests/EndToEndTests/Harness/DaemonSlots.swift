import Synchronization

/// At most a few of these tests' daemons at once: each runs a debug build that scans every second,
/// and on two cores running them all together starves every other test of CPU (timing tests in other
/// targets then fail for no fault of their own). `withBridge` takes a slot before it sets anything up
/// and gives it back after the tear-down.
final class DaemonSlots: Sendable {
    static let shared = DaemonSlots(count: 4)
    /// At most three daemons on test LANs at once (taken before a shared slot): they run real nmap every
    /// two seconds, on two cores.
    static let lab = DaemonSlots(count: 3)

    private struct State {
        var free: Int
        /// First come, first served: a request for several slots is not overtaken by later single ones.
        var waiting: [(count: Int, continuation: CheckedContinuation<Void, Never>)] = []
    }

    private let state: Mutex<State>
    private let count: Int

    init(count: Int) {
        self.count = count
        state = Mutex(State(free: count))
    }

    func acquire() async {
        await acquire(1)
    }

    /// Takes `wanted` slots at once (at most all of them), so that two scenarios that each need several
    /// never hold part of what the other waits for. `withHousehold` takes one per daemon.
    func acquire(_ wanted: Int) async {
        let wanted = min(max(wanted, 1), count)
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let granted = state.withLock { state -> Bool in
                if state.waiting.isEmpty && state.free >= wanted {
                    state.free -= wanted
                    return true
                }
                state.waiting.append((wanted, continuation))
                return false
            }
            if granted { continuation.resume() }
        }
    }

    func release() {
        release(1)
    }

    /// Gives back what ``acquire(_:)`` took (`wanted` as asked for; capped the same way).
    func release(_ wanted: Int) {
        let given = min(max(wanted, 1), count)
        let next = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.free += given
            var granted: [CheckedContinuation<Void, Never>] = []
            while let first = state.waiting.first, first.count <= state.free {
                state.free -= first.count
                granted.append(first.continuation)
                state.waiting.removeFirst()
            }
            return granted
        }
        for continuation in next { continuation.resume() }
    }
}
