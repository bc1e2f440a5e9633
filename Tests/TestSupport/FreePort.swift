#if canImport(Glibc)
import Glibc
#endif

/// Loopback TCP ports for brokers that tests start.
public enum FreePort {
    /// A port nothing listens on now: the kernel picks one for a socket bound to 127.0.0.1 port 0,
    /// which is then closed. Another process could take it before the caller binds it, so callers
    /// that can, retry with a new port when the bind fails (``MosquittoBroker/start(config:port:startupTimeout:)`` does).
    public static func pick() throws -> Int {
        let (fd, port) = try LoopbackSocket.listen(port: 0)
        close(fd)
        return port
    }

    /// Whether something accepts TCP connections on 127.0.0.1:`port` now.
    public static func isAccepting(_ port: Int) -> Bool {
        guard let fd = LoopbackSocket.connect(port: port) else { return false }
        close(fd)
        return true
    }
}
