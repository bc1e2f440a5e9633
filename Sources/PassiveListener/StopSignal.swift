import Glibc
import Synchronization

/// Tells a reader thread to stop: an eventfd that its poll(2) watches beside the sockets, so a stop
/// takes effect at once, whatever the thread was waiting for, and an idle listener never wakes.
///
/// The descriptor is written and closed under one lock: a stop that comes after the thread has ended
/// never writes to a closed (and perhaps reused) descriptor number.
final class StopSignal: Sendable {
    private let fd: Mutex<Int32>

    init() throws(PassiveListenerError) {
        let fd = LinuxABI.eventFD(0, LinuxABI.eventFDFlags)
        guard fd >= 0 else { throw .socketFailed(call: "eventfd", code: errno) }
        self.fd = Mutex(fd)
    }

    /// For poll(2); -1 once closed.
    var descriptor: Int32 { fd.withLock { $0 } }

    /// Idempotent, and safe from any thread at any time.
    func signal() {
        fd.withLock { fd in
            guard fd >= 0 else { return }
            var one: UInt64 = 1
            _ = write(fd, &one, MemoryLayout<UInt64>.size)
        }
    }

    /// By the reader thread, as it ends.
    func close() {
        fd.withLock { fd in
            guard fd >= 0 else { return }
            _ = Glibc.close(fd)
            fd = -1
        }
    }
}
