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
        var waiting: [CheckedContinuation<Void, Never>] = []
    }

    private let state: Mutex<State>

    init(count: Int) {
        state = Mutex(State(free: count))
    }

    func acquire() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let granted = state.withLock { state -> Bool in
                if state.free > 0 {
                    state.free -= 1
                    return true
                }
                state.waiting.append(continuation)
                return false
            }
            if granted { continuation.resume() }
        }
    }

    func release() {
        let next = state.withLock { state -> CheckedContinuation<Void, Never>? in
            if state.waiting.isEmpty {
                state.free += 1
                return nil
            }
            return state.waiting.removeFirst()
        }
        next?.resume()
    }
}
