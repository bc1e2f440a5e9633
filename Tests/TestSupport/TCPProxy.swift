import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A TCP relay on 127.0.0.1 in front of another loopback port, for tests that need a connection to
/// die the way it does when a network path breaks or a client crashes: ``resetConnections()``
/// closes both ends with an RST, so the client sees its connection lost and the broker sees an
/// unclean drop (and publishes the client's will), while the broker itself keeps running.
///
/// Each relayed connection has a thread of its own doing blocking `poll`/`read`/`write`, off
/// Swift's cooperative pool.
public final class TCPProxy: Sendable {
    /// The port clients connect to.
    public let port: Int
    /// The port everything is relayed to.
    public let upstreamPort: Int
    private let listenFD: Int32
    private let state = Mutex(State())

    private struct State {
        var closed = false
        var refusing = false
        var stalled = false
        var nextID = 0
        /// The write end of each live relay's wake-up pipe.
        var relays: [Int: Int32] = [:]
        var accepted = 0
    }

    /// Starts relaying 127.0.0.1:<new port> to 127.0.0.1:`upstreamPort`.
    public init(upstreamPort: Int) throws {
        (listenFD, port) = try LoopbackSocket.listen(port: 0)
        self.upstreamPort = upstreamPort
        let thread = Thread { [self] in acceptLoop() }
        thread.name = "TCPProxy :\(port)"
        thread.start()
    }

    deinit {
        Glibc.close(listenFD)
    }

    /// How many connections the proxy has accepted so far.
    public var acceptedConnections: Int { state.withLock { $0.accepted } }

    /// Kills every relayed connection with an RST on both sides. New connections are still relayed
    /// unless ``refuseNewConnections(_:)`` says otherwise.
    public func resetConnections() {
        state.withLock { state in
            for wake in state.relays.values { Self.poke(wake) }
        }
    }

    /// While true, new connections are reset as soon as they are accepted (a broker that cannot be reached).
    public func refuseNewConnections(_ refuse: Bool) {
        state.withLock { $0.refusing = refuse }
    }

    /// While true, relayed connections carry nothing either way (a broker, or a path, that has stopped
    /// reading): bytes wait in the kernel's socket buffers, and writers block once those are full.
    public func stall(_ stalled: Bool) {
        state.withLock { $0.stalled = stalled }
    }

    /// Stops accepting and resets every connection.
    public func close() {
        let wasOpen = state.withLock { state in
            defer { state.closed = true }
            for wake in state.relays.values { Self.poke(wake) }
            return !state.closed
        }
        if wasOpen { shutdown(listenFD, Int32(SHUT_RDWR)) }
    }

    private static func poke(_ fd: Int32) {
        var byte: UInt8 = 1
        _ = write(fd, &byte, 1)
    }

    private func acceptLoop() {
        while true {
            let client = accept(listenFD, nil, nil)
            if client < 0 {
                if errno == EINTR || errno == ECONNABORTED { continue }
                return
            }
            let (closed, refusing) = state.withLock { state in
                state.accepted += 1
                return (state.closed, state.refusing)
            }
            _ = fcntl(client, F_SETFD, FD_CLOEXEC)
            if closed {
                LoopbackSocket.reset(client)
                return
            }
            guard !refusing, let upstream = LoopbackSocket.connect(port: upstreamPort) else {
                LoopbackSocket.reset(client)
                continue
            }
            var pipeFDs: [Int32] = [0, 0]
            guard pipe(&pipeFDs) == 0 else {
                LoopbackSocket.reset(client)
                LoopbackSocket.reset(upstream)
                continue
            }
            let id = state.withLock { state in
                state.nextID += 1
                state.relays[state.nextID] = pipeFDs[1]
                return state.nextID
            }
            let wakeReader = pipeFDs[0]
            let thread = Thread { [self] in relay(id: id, client, upstream, wake: wakeReader) }
            thread.name = "TCPProxy relay \(id)"
            thread.start()
        }
    }

    /// Copies bytes both ways until either side closes (then both close normally) or the wake pipe
    /// is poked (then both are reset).
    private func relay(id: Int, _ a: Int32, _ b: Int32, wake: Int32) {
        var fds = [
            pollfd(fd: a, events: Int16(POLLIN), revents: 0),
            pollfd(fd: b, events: Int16(POLLIN), revents: 0),
            pollfd(fd: wake, events: Int16(POLLIN), revents: 0),
        ]
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        var reset = false
        loop: while true {
            if state.withLock({ $0.stalled }) {
                // Only the wake pipe is watched, for a while; then look at the flag again.
                var wakeOnly = [fds[2]]
                if poll(&wakeOnly, 1, 50) > 0 && wakeOnly[0].revents != 0 {
                    reset = true
                    break
                }
                continue
            }
            let ready = poll(&fds, nfds_t(fds.count), 200)
            if ready < 0 {
                if errno == EINTR { continue }
                break
            }
            if ready == 0 { continue }
            if fds[2].revents != 0 {
                reset = true
                break
            }
            for (from, to) in [(0, 1), (1, 0)] where fds[from].revents != 0 {
                let count = read(fds[from].fd, &buffer, buffer.count)
                if count <= 0 { break loop }
                var sent = 0
                while sent < count {
                    let written = buffer[sent...].withUnsafeBytes { write(fds[to].fd, $0.baseAddress, count - sent) }
                    if written <= 0 { break loop }
                    sent += written
                }
            }
        }
        let wakeWriter = state.withLock { $0.relays.removeValue(forKey: id) }
        if reset {
            LoopbackSocket.reset(a)
            LoopbackSocket.reset(b)
        } else {
            Glibc.close(a)
            Glibc.close(b)
        }
        Glibc.close(wake)
        if let wakeWriter { Glibc.close(wakeWriter) }
    }
}
