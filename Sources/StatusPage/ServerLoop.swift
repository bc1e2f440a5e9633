import Logging
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The server's event loop: one thread, poll(2) over the listening socket, a stop pipe and every
/// connection, all non-blocking. A client that stalls costs a descriptor, its buffered bytes and a deadline,
/// never a thread: nothing here waits on a client, and the only call into the daemon is
/// ``StatusSource/snapshot()``.
///
/// `@unchecked Sendable`: the connections, buffers and cache are touched only by the loop's own thread
/// (``run()``); other threads only call ``stop()``, which goes through an atomic flag and the stop pipe
/// (written and closed under one lock, so a late stop never writes to a reused descriptor).
final class ServerLoop: @unchecked Sendable {
    private let listener: ListeningSocket
    private let routes: StatusRoutes
    private let limits: HTTPLimits
    private let logger: Logger
    private let stopping = Atomic<Bool>(false)
    private let stopPipe: Mutex<(read: Int32, write: Int32)>
    private var connections: [Connection] = []
    /// When accepting failed for want of descriptors: the listener rests until then, so poll does not spin.
    private var acceptPausedUntil: ContinuousClock.Instant?
    /// Counters for the log and tests.
    private(set) var refusedForCap = 0

    private static let busyResponse = HTTPResponse.error(
        503, "too many connections; try again shortly",
        headers: [("Retry-After", "2")])
    private static let timeoutResponse = HTTPResponse.error(408, "the request head did not arrive in time")

    init(listener: ListeningSocket, routes: StatusRoutes, limits: HTTPLimits, logger: Logger) throws(StatusPageError) {
        var fds: [Int32] = [-1, -1]
        guard pipe(&fds) == 0 else { throw .system(.cannotListen, "cannot make the server's stop pipe", errno: errno) }
        for fd in fds {
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        }
        self.listener = listener
        self.routes = routes
        self.limits = limits
        self.logger = logger
        self.stopPipe = Mutex((fds[0], fds[1]))
    }

    /// Asks the loop to end; safe from any thread, any number of times.
    func stop() {
        stopping.store(true, ordering: .releasing)
        stopPipe.withLock { pipe in
            guard pipe.write >= 0 else { return }
            var byte: UInt8 = 1
            _ = write(pipe.write, &byte, 1)
        }
    }

    /// Serves until ``stop()``; then closes every connection and the listener.
    func run() {
        let wake = stopPipe.withLock { $0.read }
        var fds: [pollfd] = []
        while !stopping.load(ordering: .acquiring) {
            let now = ContinuousClock.now
            if let paused = acceptPausedUntil, paused <= now { acceptPausedUntil = nil }
            fds.removeAll(keepingCapacity: true)
            fds.append(pollfd(fd: wake, events: Int16(POLLIN), revents: 0))
            fds.append(pollfd(fd: acceptPausedUntil == nil ? listener.fd : -1, events: Int16(POLLIN), revents: 0))
            for connection in connections {
                fds.append(pollfd(fd: connection.fd, events: Int16(connection.wantsWrite ? POLLOUT : POLLIN), revents: 0))
            }
            let rc = poll(&fds, nfds_t(fds.count), timeout(now: now))
            if rc < 0 {
                guard errno == EINTR else {
                    logger.error("Status server poll failed; stopping it", metadata: ["web.error": "\(String(cString: strerror(errno)))"])
                    break
                }
                continue
            }
            let polled = connections.count
            for index in 0..<polled where fds[index + 2].revents != 0 {
                service(connections[index], events: fds[index + 2].revents)
            }
            if fds[1].revents != 0 { acceptNew() }
            expire(now: ContinuousClock.now)
            connections.removeAll { $0.fd < 0 }
        }
        for connection in connections { connection.close() }
        connections.removeAll()
        close(listener.fd)
        stopPipe.withLock { pipe in
            close(pipe.read)
            close(pipe.write)
            pipe = (-1, -1)
        }
    }

    /// Milliseconds until the nearest deadline, at most a second.
    private func timeout(now: ContinuousClock.Instant) -> Int32 {
        var nearest = now.advanced(by: .seconds(1))
        if let paused = acceptPausedUntil { nearest = min(nearest, paused) }
        for connection in connections { nearest = min(nearest, connection.deadline) }
        let wait = now.duration(to: nearest)
        guard wait > .zero else { return 0 }
        let (seconds, attoseconds) = wait.components
        return Int32(min(1000, seconds * 1000 + attoseconds / 1_000_000_000_000_000 + 1))
    }

    // MARK: - Accepting

    private func acceptNew() {
        for _ in 0..<64 {
            // accept4 is a GNU extension Swift does not see; nmap is spawned with only descriptors 0-2, so
            // the moment between accept and FD_CLOEXEC leaks nothing.
            let fd = accept(listener.fd, nil, nil)
            if fd >= 0 {
                _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
                _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
            }
            if fd < 0 {
                switch errno {
                case EAGAIN, EWOULDBLOCK, EINTR, ECONNABORTED:
                    return
                case EMFILE, ENFILE, ENOBUFS, ENOMEM:
                    logger.warning(
                        "Status server out of descriptors; not accepting for 100 ms",
                        metadata: ["web.connections": "\(connections.count)"])
                    acceptPausedUntil = ContinuousClock.now.advanced(by: .milliseconds(100))
                    return
                default:
                    return
                }
            }
            guard connections.count < limits.maximumConnections else {
                // Over the cap: a 503 as far as it fits in the socket buffer, and close. No state is kept.
                refusedForCap += 1
                Self.busyResponse.bytes.withUnsafeBytes { _ = send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                close(fd)
                if refusedForCap == 1 || refusedForCap % 1000 == 0 {
                    logger.info(
                        "Status server at its connection cap; refusing more",
                        metadata: [
                            "web.maximum_connections": "\(limits.maximumConnections)",
                            "web.refused": "\(refusedForCap)",
                        ])
                }
                continue
            }
            connections.append(Connection(fd: fd, deadline: ContinuousClock.now.advanced(by: limits.headerTimeout)))
        }
    }

    // MARK: - One connection

    private func service(_ connection: Connection, events: Int16) {
        switch connection.phase {
        case .reading: readHead(connection)
        case .writing: writeSome(connection)
        case .draining: drain(connection)
        }
        if connection.fd >= 0, events & Int16(POLLERR | POLLNVAL) != 0, !connection.wantsWrite {
            connection.close()
        }
    }

    private func readHead(_ connection: Connection) {
        var chunk = [UInt8](repeating: 0, count: 4096)
        var ended = false
        while connection.buffer.count <= limits.maximumHeadBytes {
            let count = chunk.withUnsafeMutableBytes { recv(connection.fd, $0.baseAddress, $0.count, 0) }
            if count == 0 {
                ended = true // the client closed its side: what it sent may still be a whole request
                break
            }
            if count < 0 {
                if errno == EINTR { continue }
                if errno == EAGAIN || errno == EWOULDBLOCK { break }
                connection.close()
                return
            }
            connection.buffer.append(contentsOf: chunk[0..<count])
        }
        switch HTTPRequestHead.parse(connection.buffer, limits: limits) {
        case .incomplete:
            if ended { connection.close() } // it went away before finishing its request
            return
        case .complete(let head, _):
            connection.buffer = []
            let response = routes.respond(to: head)
            start(response, head: head.method == "HEAD", on: connection)
        case .refused(let status, let why):
            connection.buffer = []
            logger.debug("Refused a malformed request", metadata: ["web.status": "\(status)", "web.why": "\(why)"])
            start(.error(status, why), head: false, on: connection)
        }
    }

    private func start(_ response: HTTPResponse, head: Bool, on connection: Connection) {
        connection.phase = .writing(response.bytes, end: head ? response.headLength : response.bytes.count, offset: 0)
        connection.deadline = ContinuousClock.now.advanced(by: limits.writeTimeout)
        writeSome(connection)
    }

    private func writeSome(_ connection: Connection) {
        guard case .writing(let bytes, let end, var offset) = connection.phase else { return }
        while offset < end {
            let sent = bytes.withUnsafeBytes { send(connection.fd, $0.baseAddress! + offset, end - offset, Int32(MSG_NOSIGNAL)) }
            if sent < 0 {
                if errno == EINTR { continue }
                if errno == EAGAIN || errno == EWOULDBLOCK {
                    connection.phase = .writing(bytes, end: end, offset: offset)
                    return
                }
                connection.close()
                return
            }
            offset += sent
        }
        // All sent: no more writing, and read what the client still sends (an ignored body) for a while,
        // so closing does not reset the connection before the client has read the response.
        shutdown(connection.fd, Int32(SHUT_WR))
        connection.phase = .draining(0)
        connection.deadline = ContinuousClock.now.advanced(by: limits.drainTimeout)
        drain(connection)
    }

    private func drain(_ connection: Connection) {
        guard case .draining(var drained) = connection.phase else { return }
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = chunk.withUnsafeMutableBytes { recv(connection.fd, $0.baseAddress, $0.count, 0) }
            if count < 0, errno == EINTR { continue }
            if count < 0, errno == EAGAIN || errno == EWOULDBLOCK {
                connection.phase = .draining(drained)
                return
            }
            drained += max(count, 0)
            if count <= 0 || drained > limits.drainBytes {
                connection.close()
                return
            }
        }
    }

    private func expire(now: ContinuousClock.Instant) {
        for connection in connections where connection.fd >= 0 && connection.deadline <= now {
            if case .reading = connection.phase {
                Self.timeoutResponse.bytes.withUnsafeBytes {
                    _ = send(connection.fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL))
                }
            }
            connection.close()
        }
    }
}

/// One client connection, owned by the loop's thread.
private final class Connection {
    enum Phase {
        /// Reading the request head into ``Connection/buffer``.
        case reading
        /// Sending `bytes[offset..<end]` (shared with other connections: never copied).
        case writing([UInt8], end: Int, offset: Int)
        /// Response sent; reading and dropping what the client still sends, up to a limit.
        case draining(Int)
    }

    private(set) var fd: Int32
    var phase = Phase.reading
    var buffer: [UInt8] = []
    var deadline: ContinuousClock.Instant

    init(fd: Int32, deadline: ContinuousClock.Instant) {
        self.fd = fd
        self.deadline = deadline
    }

    var wantsWrite: Bool {
        if case .writing = phase { return true }
        return false
    }

    func close() {
        guard fd >= 0 else { return }
        _ = Glibc.close(fd)
        fd = -1
        buffer = []
        phase = .reading
    }
}
