import Glibc
import Synchronization

/// The one piece of state shared between a run's worker thread and whoever cancels it.
///
/// The group is signalled while the lock is held: the worker marks the process exited (before reaping
/// it) under the same lock, so a late cancellation can never signal a process group whose id the
/// kernel has since handed to someone else. kill(2) does not block, so holding the lock is cheap.
final class ProcessControl: Sendable {
    private enum Phase {
        case starting
        case running(pid_t)
        case exited
    }

    private struct State {
        var phase = Phase.starting
        var cancelled = false
        var timedOut = false
    }

    private let state = Mutex(State())

    var wasCancelled: Bool { state.withLock { $0.cancelled } }
    var hasTimedOut: Bool { state.withLock { $0.timedOut } }

    /// The awaiting task was cancelled: kill the group now, or keep it from starting.
    func cancel() {
        state.withLock { state in
            state.cancelled = true
            if case .running(let pid) = state.phase { kill(-pid, SIGKILL) }
        }
    }

    /// Called by the worker once the child runs. Returns false when a cancellation came first; the
    /// group has then been killed already.
    func started(pid: pid_t) -> Bool {
        state.withLock { state in
            state.phase = .running(pid)
            if state.cancelled { kill(-pid, SIGKILL) }
            return !state.cancelled
        }
    }

    /// The deadline passed: kill the group.
    func timeOut() {
        state.withLock { state in
            if case .running(let pid) = state.phase {
                state.timedOut = true
                kill(-pid, SIGKILL)
            }
        }
    }

    /// The child has exited (not yet reaped): from now on nothing signals its group id.
    func exited() {
        state.withLock { $0.phase = .exited }
    }
}
