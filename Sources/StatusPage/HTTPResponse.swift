/// A whole response as bytes, head and body, ready to be shared between connections (HEAD sends only the
/// first ``headLength`` bytes).
struct HTTPResponse {
    let bytes: [UInt8]
    let headLength: Int
    let status: Int

    /// Every response closes the connection: one request per connection keeps a stalled client's cost to
    /// one response, and leaves no keep-alive state to attack.
    init(status: Int, contentType: String, body: [UInt8], headers: [(String, String)] = []) {
        var head = "HTTP/1.1 \(status) \(Self.reason(status))\r\n"
        head += "Content-Type: \(contentType)\r\nContent-Length: \(body.count)\r\nConnection: close\r\n"
        head += "Cache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\nReferrer-Policy: no-referrer\r\n"
        head += "X-Frame-Options: DENY\r\n"
        head += "Content-Security-Policy: default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
        head += "base-uri 'none'; form-action 'none'; frame-ancestors 'none'\r\n"
        for (name, value) in headers { head += "\(name): \(value)\r\n" }
        head += "\r\n"
        var bytes = Array(head.utf8)
        headLength = bytes.count
        bytes.append(contentsOf: body)
        self.bytes = bytes
        self.status = status
    }

    /// A short plain-text error: the status and why, on one line.
    static func error(_ status: Int, _ why: String, headers: [(String, String)] = []) -> HTTPResponse {
        HTTPResponse(
            status: status, contentType: "text/plain; charset=utf-8",
            body: Array("\(status) \(reason(status)): \(why)\n".utf8), headers: headers)
    }

    static func reason(_ status: Int) -> String {
        switch status {
        case 200: "OK"
        case 400: "Bad Request"
        case 401: "Unauthorized"
        case 404: "Not Found"
        case 405: "Method Not Allowed"
        case 408: "Request Timeout"
        case 414: "URI Too Long"
        case 431: "Request Header Fields Too Large"
        case 500: "Internal Server Error"
        case 503: "Service Unavailable"
        case 505: "HTTP Version Not Supported"
        default: "Status"
        }
    }
}
