/// A request's first line and headers, parsed strictly from at most ``HTTPLimits`` bytes.
///
/// Only what a read-only status server needs: the method, the origin-form target (path and query) and the
/// headers. Anything malformed is refused with the status a client should see: 400 for a bad request line
/// or header, 414 for a request line over the limit, 431 for a head over the limit or too many headers,
/// 505 for an HTTP version other than 1.0 and 1.1. Bodies are never read (the connection closes after the
/// response).
struct HTTPRequestHead: Equatable {
    var method: String
    var target: String
    var minorVersion: Int
    var headers: [(name: String, value: String)]

    /// The path part of the target (before `?`).
    var path: Substring {
        target.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
    }

    /// The query part of the target (after `?`), if any.
    var query: Substring? {
        guard let mark = target.firstIndex(of: "?") else { return nil }
        return target[target.index(after: mark)...]
    }

    /// The first header of that name (case-insensitive).
    func header(_ name: String) -> String? {
        let lower = name.lowercased()
        return headers.first { $0.name.lowercased() == lower }?.value
    }

    static func == (lhs: HTTPRequestHead, rhs: HTTPRequestHead) -> Bool {
        lhs.method == rhs.method && lhs.target == rhs.target && lhs.minorVersion == rhs.minorVersion
            && lhs.headers.map(\.name) == rhs.headers.map(\.name) && lhs.headers.map(\.value) == rhs.headers.map(\.value)
    }

    /// What ``parse(_:limits:)`` found in the bytes read so far.
    enum ParseResult: Equatable {
        /// More bytes are needed.
        case incomplete
        /// A whole head, `length` bytes long.
        case complete(HTTPRequestHead, length: Int)
        /// The request is refused with `status`.
        case refused(status: Int, why: String)
    }

    static func parse(_ bytes: [UInt8], limits: HTTPLimits) -> ParseResult {
        // Tolerate empty lines before the request line (RFC 9112, 2.2).
        var start = 0
        while start < bytes.count, bytes[start] == 0x0D || bytes[start] == 0x0A { start += 1 }
        guard start < 16 else { return .refused(status: 400, why: "empty lines before the request line") }
        guard let lineEnd = bytes[start...].firstIndex(of: 0x0A) else {
            return bytes.count - start > limits.maximumRequestLineBytes
                ? .refused(status: 414, why: "request line longer than \(limits.maximumRequestLineBytes) bytes")
                : .incomplete
        }
        guard lineEnd - start <= limits.maximumRequestLineBytes else {
            return .refused(status: 414, why: "request line longer than \(limits.maximumRequestLineBytes) bytes")
        }
        guard let headEnd = endOfHead(bytes, from: lineEnd) else {
            return bytes.count > limits.maximumHeadBytes
                ? .refused(status: 431, why: "request head longer than \(limits.maximumHeadBytes) bytes")
                : .incomplete
        }
        guard headEnd <= limits.maximumHeadBytes else {
            return .refused(status: 431, why: "request head longer than \(limits.maximumHeadBytes) bytes")
        }
        var lines = bytes[start..<headEnd].split(separator: 0x0A, omittingEmptySubsequences: false).map { line in
            line.last == 0x0D ? line.dropLast() : line
        }
        while lines.last?.isEmpty == true { lines.removeLast() }
        guard let requestLine = lines.first else { return .refused(status: 400, why: "no request line") }
        var head: HTTPRequestHead
        switch parseRequestLine(requestLine) {
        case .success(let parsed): head = parsed
        case .failure(let refusal): return .refused(status: refusal.status, why: refusal.why)
        }
        let headerLines = lines.dropFirst()
        guard headerLines.count <= limits.maximumHeaderCount else {
            return .refused(status: 431, why: "more than \(limits.maximumHeaderCount) header fields")
        }
        for line in headerLines {
            guard let first = line.first, first != 0x20, first != 0x09 else {
                return .refused(status: 400, why: "folded or empty header line")
            }
            guard let colon = line.firstIndex(of: 0x3A), colon > line.startIndex else {
                return .refused(status: 400, why: "header line without a name and a colon")
            }
            let name = line[line.startIndex..<colon]
            guard name.allSatisfy(isTokenByte) else { return .refused(status: 400, why: "bad header name") }
            var value = line[line.index(after: colon)...]
            while let byte = value.first, byte == 0x20 || byte == 0x09 { value = value.dropFirst() }
            while let byte = value.last, byte == 0x20 || byte == 0x09 { value = value.dropLast() }
            guard value.allSatisfy({ $0 == 0x09 || ($0 >= 0x20 && $0 != 0x7F) }) else {
                return .refused(status: 400, why: "control character in a header value")
            }
            head.headers.append((String(decoding: name, as: UTF8.self), String(decoding: value, as: UTF8.self)))
        }
        return .complete(head, length: headEnd)
    }

    /// The index just past the blank line that ends the head, searching from the end of the request line.
    private static func endOfHead(_ bytes: [UInt8], from lineEnd: Int) -> Int? {
        var index = lineEnd
        while index < bytes.count {
            // `index` is at a LF: the head ends if the next line is empty (LF, or CR LF).
            if index + 1 < bytes.count, bytes[index + 1] == 0x0A { return index + 2 }
            if index + 2 < bytes.count, bytes[index + 1] == 0x0D, bytes[index + 2] == 0x0A { return index + 3 }
            guard let next = bytes[(index + 1)...].firstIndex(of: 0x0A) else { return nil }
            index = next
        }
        return nil
    }

    private struct Refusal: Error {
        let status: Int
        let why: String
    }

    private static func parseRequestLine(_ line: ArraySlice<UInt8>) -> Result<HTTPRequestHead, Refusal> {
        let parts = line.split(separator: 0x20, omittingEmptySubsequences: false)
        guard parts.count == 3 else {
            return .failure(Refusal(status: 400, why: "request line is not METHOD SP TARGET SP VERSION"))
        }
        let (method, target, version) = (parts[0], parts[1], parts[2])
        guard !method.isEmpty, method.count <= 20, method.allSatisfy(isTokenByte) else {
            return .failure(Refusal(status: 400, why: "bad method"))
        }
        guard target.first == 0x2F, target.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
            return .failure(Refusal(status: 400, why: "target is not an origin-form path"))
        }
        let minor: Int
        switch String(decoding: version, as: UTF8.self) {
        case "HTTP/1.1": minor = 1
        case "HTTP/1.0": minor = 0
        case let other where other.hasPrefix("HTTP/") && other.count <= 10:
            return .failure(Refusal(status: 505, why: "HTTP version \(other.dropFirst(5)) is not served; use 1.1"))
        default:
            return .failure(Refusal(status: 400, why: "bad HTTP version"))
        }
        return .success(
            HTTPRequestHead(
                method: String(decoding: method, as: UTF8.self), target: String(decoding: target, as: UTF8.self),
                minorVersion: minor, headers: []))
    }

    /// RFC 9110 `tchar`.
    private static func isTokenByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"):
            return true
        default:
            return "!#$%&'*+-.^_`|~".utf8.contains(byte)
        }
    }
}
