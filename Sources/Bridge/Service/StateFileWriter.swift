import Presence
import ServiceLifecycle
import StatusPage
import Synchronization

/// Writes the state file from its own task, so no caller waits on a disk (an fsync on an SD card can
/// take a while). Holds only the newest state asked for: states submitted faster than the disk takes
/// them are written once, the newest, and an older one can never overwrite a newer one.
///
/// Runs until graceful shutdown and then writes what is still pending: in the bridge's service group it
/// stops after the services that change the state.
final class StateFileWriter: Service, Sendable {
    private let store: StateStore
    private let pending = Mutex<StateStore.Saved?>(nil)
    private let wake = WakeSignal()

    init(store: StateStore) {
        self.store = store
    }

    /// The state file should now hold `state`.
    func submit(_ state: StateStore.Saved) {
        pending.withLock { $0 = state }
        wake.signal()
    }

    func run() async {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                await self.wake.wait(until: nil)
                self.writePending()
            }
        }
        writePending()
    }

    /// Writes the pending state, if any, now (also for tests).
    func writePending() {
        guard
            let state = pending.withLock({ state in
                defer { state = nil }
                return state
            })
        else { return }
        store.save(state.devices, eventSequence: state.eventSequence)
    }
}
