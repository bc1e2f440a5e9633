import NmapScanner
import Synchronization

/// What the scan loop's child tasks hand back to it: scans that ended, and whether a batch of re-probes
/// is running (one at a time, so the same due probe is never run twice).
final class ScanLoopInbox: Sendable {
    private let state = Mutex<(ended: [(job: ScanScheduler.Job, report: ScanReport)], probing: Bool)>(([], false))

    func ended(_ job: ScanScheduler.Job, _ report: ScanReport) {
        state.withLock { $0.ended.append((job, report)) }
    }

    /// The scans that ended since the last call, in the order they ended.
    func takeEnded() -> [(job: ScanScheduler.Job, report: ScanReport)] {
        state.withLock { state in
            defer { state.ended = [] }
            return state.ended
        }
    }

    /// True, and marks re-probes as running, when none were.
    func startProbing() -> Bool {
        state.withLock { state in
            defer { state.probing = true }
            return !state.probing
        }
    }

    func probingEnded() {
        state.withLock { $0.probing = false }
    }
}
