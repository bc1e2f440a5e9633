import Foundation
import Glibc

/// Runs code inside one of a test LAN's network namespaces, on a thread of its own.
///
/// Why a thread and setns(2) rather than a helper process: the test wants the listener's own API and
/// stream in this process. A network namespace belongs to a thread, and a socket to the namespace it
/// was created in: the thread enters the lab's namespace (`/var/run/netns/NAME`), opens the listener
/// there (interface names are looked up there too), and ends. The listener's reader thread, started
/// from it, inherits the namespace, and its sockets stay in the lab whatever thread reads them; no
/// other thread of the test process ever leaves the root namespace. setns needs CAP_SYS_ADMIN, as the
/// lab does.
///
/// `withoutNetRaw` also drops CAP_NET_RAW from that thread's effective and permitted sets (capabilities
/// are per thread too): the listener then meets EPERM exactly as an unprivileged daemon would.
enum NetworkNamespace {
    static func run<T: Sendable>(
        in name: String, withoutNetRaw: Bool = false, _ body: @escaping @Sendable () throws -> T
    ) async throws -> T {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            Thread.detachNewThread {
                continuation.resume(
                    with: Result {
                        try enter(name)
                        if withoutNetRaw { try dropNetRaw() }
                        return try body()
                    })
            }
        }
    }

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// setns(2) and capget/capset(2) are hidden from Swift behind _GNU_SOURCE, hence the lookups (as
    /// NmapScanner's ProcessRunner does for pipe2).
    private static func function<F>(_ name: String, as type: F.Type) -> F {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), name) else { fatalError("glibc without \(name)") }
        return unsafeBitCast(symbol, to: type)
    }

    private static let setns = function("setns", as: (@convention(c) (Int32, Int32) -> Int32).self)
    private static let capget = function("capget", as: (@convention(c) (UnsafeMutableRawPointer, UnsafeMutableRawPointer) -> Int32).self)
    private static let capset = function("capset", as: (@convention(c) (UnsafeMutableRawPointer, UnsafeMutableRawPointer) -> Int32).self)

    private static func enter(_ name: String) throws {
        // Lab names are [a-z0-9-] (testlan.sh): no path tricks possible.
        let fd = open("/var/run/netns/\(name)", O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw Failure(description: "cannot open /var/run/netns/\(name): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        guard setns(fd, 0x4000_0000 /* CLONE_NEWNET */) == 0 else {
            throw Failure(description: "setns(\(name)): \(String(cString: strerror(errno)))")
        }
    }

    /// Version 3 capability sets: a header (version, pid 0 = this thread) and two 32-bit words each of
    /// effective, permitted, inheritable; CAP_NET_RAW is bit 13 of the first.
    private static func dropNetRaw() throws {
        var header: [UInt32] = [0x2008_0522, 0]
        var data = [UInt32](repeating: 0, count: 6)
        let ok = header.withUnsafeMutableBytes { header in
            data.withUnsafeMutableBytes { data in
                guard capget(header.baseAddress!, data.baseAddress!) == 0 else { return false }
                let words = data.bindMemory(to: UInt32.self)
                words[0] &= ~(1 << 13) // effective
                words[1] &= ~(1 << 13) // permitted
                return capset(header.baseAddress!, data.baseAddress!) == 0
            }
        }
        guard ok else { throw Failure(description: "cannot drop CAP_NET_RAW: \(String(cString: strerror(errno)))") }
    }
}
