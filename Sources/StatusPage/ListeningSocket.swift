#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A non-blocking listening TCP socket on `host:port` (an IPv4 or IPv6 literal, or a name such as
/// `localhost`, resolved once by getaddrinfo; the first address that binds is used).
struct ListeningSocket {
    let fd: Int32
    /// The port bound (the kernel's pick when asked for 0).
    let port: Int

    static func open(host: String, port: Int, backlog: Int32 = 64) throws(StatusPageError) -> ListeningSocket {
        guard (0...65535).contains(port) else {
            throw StatusPageError(code: .cannotListen, description: "web.port: \(port) is not a port; expected 1 to 65535")
        }
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV
        var list: UnsafeMutablePointer<addrinfo>?
        let host = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        let rc = getaddrinfo(host, String(port), &hints, &list)
        guard rc == 0, let list else {
            let why = rc == 0 ? "no address" : String(cString: gai_strerror(rc))
            throw StatusPageError(
                code: .cannotListen,
                description: "web.host: cannot listen on \(host): \(why); expected an address of this machine such as 127.0.0.1")
        }
        defer { freeaddrinfo(list) }
        var lastErrno: Int32 = 0
        var entry: UnsafeMutablePointer<addrinfo>? = list
        while let current = entry {
            defer { entry = current.pointee.ai_next }
            let info = current.pointee
            let fd = socket(
                info.ai_family, info.ai_socktype | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue),
                info.ai_protocol)
            guard fd >= 0 else {
                lastErrno = errno
                continue
            }
            var one: Int32 = 1
            setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
            guard bind(fd, info.ai_addr, info.ai_addrlen) == 0, listen(fd, backlog) == 0 else {
                lastErrno = errno
                close(fd)
                continue
            }
            return ListeningSocket(fd: fd, port: Self.localPort(fd) ?? port)
        }
        throw .system(.cannotListen, "web.host, web.port: cannot listen on \(host) port \(port)", errno: lastErrno)
    }

    private static func localPort(_ fd: Int32) -> Int? {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let rc = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        guard rc == 0 else { return nil }
        return withUnsafePointer(to: &storage) { pointer -> Int? in
            switch Int32(pointer.pointee.ss_family) {
            case AF_INET:
                pointer.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { Int(UInt16(bigEndian: $0.pointee.sin_port)) }
            case AF_INET6:
                pointer.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { Int(UInt16(bigEndian: $0.pointee.sin6_port)) }
            default:
                nil
            }
        }
    }
}
