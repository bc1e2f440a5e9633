import Synchronization

/// The daemon's side of ``StatusSource``: holds the newest snapshot under a lock that is held only for a
/// copy (a snapshot is copy-on-write values), so ``snapshot()`` never waits on anything but another copy.
public final class StatusBoard: StatusSource {
    private let current: Mutex<StatusSnapshot>

    public init(_ initial: StatusSnapshot) {
        current = Mutex(initial)
    }

    /// Replaces the snapshot the server shows.
    public func publish(_ snapshot: StatusSnapshot) {
        current.withLock { $0 = snapshot }
    }

    /// Changes part of the snapshot in place (for example only ``BridgeHealth/brokerConnected``). `body`
    /// runs under the lock: keep it to assignments.
    public func update(_ body: (inout StatusSnapshot) -> Void) {
        current.withLock { body(&$0) }
    }

    public func snapshot() -> StatusSnapshot {
        current.withLock { $0 }
    }
}
