import Synchronization

/// Remembers when each address was last sent a wake-up packet, so that a device gets at most one per
/// `interval` however often it is re-probed.
///
/// Bounded: past `capacity` entries, those older than the interval are dropped (they no longer limit
/// anything), then the oldest, so a scan of a large network cannot grow it without end.
final class WakeLimiter: Sendable {
    let interval: Duration
    let capacity: Int
    private let state = Mutex(State())

    private struct State {
        var lastWake: [String: ContinuousClock.Instant] = [:]
        /// nmap refused to send raw UDP (no root, no `--privileged`): waking is pointless from then on.
        var refused = false
    }

    init(interval: Duration, capacity: Int = 1024) {
        self.interval = interval
        self.capacity = max(1, capacity)
    }

    /// True when `address` may be sent a wake-up packet at `now`; records that it was.
    func claim(_ address: String, now: ContinuousClock.Instant = .now) -> Bool {
        state.withLock { state in
            if state.refused { return false }
            if let last = state.lastWake[address], now - last < interval { return false }
            state.lastWake[address] = now
            if state.lastWake.count > capacity {
                state.lastWake = state.lastWake.filter { now - $0.value < interval }
                if state.lastWake.count > capacity {
                    let oldest = state.lastWake.sorted { $0.value < $1.value }.prefix(state.lastWake.count - capacity)
                    for (key, _) in oldest { state.lastWake[key] = nil }
                }
            }
            return true
        }
    }

    /// Stops all further wake-ups (nmap cannot send them here).
    func refuse() {
        state.withLock { $0.refused = true }
    }

    var isRefused: Bool { state.withLock { $0.refused } }

    /// How many addresses are remembered.
    var count: Int { state.withLock { $0.lastWake.count } }
}
