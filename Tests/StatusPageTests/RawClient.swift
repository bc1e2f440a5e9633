import Foundation
import TestSupport

#if canImport(Glibc)
import Glibc
#endif

/// A blocking TCP client on 127.0.0.1 that sends exactly the bytes it is given: for hostile requests no
/// HTTP library would send. Call it through ``offPool(_:)``.
final class RawClient: @unchecked Sendable {
    let fd: Int32

    /// - Parameter receiveBuffer: a small SO_RCVBUF makes a client that does not read stall the server's writes.
    init(port: Int, timeout: Double = 10, receiveBuffer: Int32? = nil) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw HarnessError("socket: \(String(cString: strerror(errno)))") }
        var time = timeval(tv_sec: Int(timeout), tv_usec: Int((timeout - timeout.rounded(.down)) * 1_000_000))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &time, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &time, socklen_t(MemoryLayout<timeval>.size))
        if var size = receiveBuffer {
            setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = in_addr_t(UInt32(0x7f00_0001).bigEndian)
        let rc = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard rc == 0 else {
            let problem = String(cString: strerror(errno))
            close(fd)
            throw HarnessError("connect to 127.0.0.1:\(port): \(problem)")
        }
    }

    deinit { close(fd) }

    /// Sends all of `bytes`; returns false when the server closed or reset the connection first.
    @discardableResult
    func send(_ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress! + offset, bytes.count - offset, Int32(MSG_NOSIGNAL)) }
            if sent <= 0 { return false }
            offset += sent
        }
        return true
    }

    @discardableResult
    func send(_ text: String) -> Bool { send(Array(text.utf8)) }

    /// Everything until the server closes (or the receive timeout, or `limit` bytes).
    func readToEnd(limit: Int = 16 << 20) -> [UInt8] {
        var result: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while result.count < limit {
            let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count <= 0 { break }
            result.append(contentsOf: chunk[0..<count])
        }
        return result
    }

    /// Whether the server has closed its side: a read returns 0 (or the connection was reset).
    func isClosedByServer() -> Bool {
        var byte: UInt8 = 0
        let count = recv(fd, &byte, 1, 0)
        return count == 0 || (count < 0 && errno == ECONNRESET)
    }
}

/// A parsed response.
struct RawResponse: Sendable {
    let status: Int
    let head: String
    let body: [UInt8]

    var text: String { String(decoding: body, as: UTF8.self) }

    func header(_ name: String) -> String? {
        for line in head.split(separator: "\r\n").dropFirst() {
            let parts = line.split(separator: ":", maxSplits: 1)
            if parts.count == 2, parts[0].lowercased() == name.lowercased() {
                return parts[1].trimmingCharacters(in: .whitespaces)
            }
        }
        return nil
    }

    init?(_ bytes: [UInt8]) {
        let text = String(decoding: bytes, as: UTF8.self)
        guard let end = text.range(of: "\r\n\r\n") else { return nil }
        head = String(text[..<end.lowerBound])
        let statusLine = head.split(separator: "\r\n").first ?? ""
        let parts = statusLine.split(separator: " ")
        guard parts.count >= 2, let status = Int(parts[1]) else { return nil }
        self.status = status
        let headBytes = text[..<end.upperBound].utf8.count
        body = Array(bytes[headBytes...])
    }
}

/// One request, one response.
func fetch(_ port: Int, _ request: String) async throws -> RawResponse {
    try await offPool {
        let client = try RawClient(port: port)
        client.send(request)
        let bytes = client.readToEnd()
        guard let response = RawResponse(bytes) else {
            throw HarnessError("no HTTP response to \(request.prefix(60).debugDescription): \(bytes.count) bytes")
        }
        return response
    }
}

func get(_ port: Int, _ path: String, headers: String = "") async throws -> RawResponse {
    try await fetch(port, "GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\n\(headers)\r\n")
}
