import Testing

@testable import StatusPage

@Suite struct HTTPRequestHeadTests {
    let limits = HTTPLimits(maximumRequestLineBytes: 100, maximumHeadBytes: 300, maximumHeaderCount: 5)

    func parse(_ text: String) -> HTTPRequestHead.ParseResult {
        HTTPRequestHead.parse(Array(text.utf8), limits: limits)
    }

    func status(_ text: String) -> Int? {
        if case .refused(let status, _) = parse(text) { return status }
        return nil
    }

    @Test func aPlainGet() {
        guard case .complete(let head, let length) = parse("GET /metrics?token=a%20b HTTP/1.1\r\nHost: x\r\nAuthorization:  Bearer t \r\n\r\nBODY")
        else {
            Issue.record("not parsed")
            return
        }
        #expect(head.method == "GET")
        #expect(head.path == "/metrics")
        #expect(head.query == "token=a%20b")
        #expect(head.minorVersion == 1)
        #expect(head.header("authorization") == "Bearer t")
        #expect(length == "GET /metrics?token=a%20b HTTP/1.1\r\nHost: x\r\nAuthorization:  Bearer t \r\n\r\n".utf8.count)
    }

    @Test func bareLineFeedsAndLeadingEmptyLines() {
        guard case .complete(let head, _) = parse("\r\nGET / HTTP/1.0\nHost: x\n\n") else {
            Issue.record("not parsed")
            return
        }
        #expect(head.minorVersion == 0)
        #expect(head.header("Host") == "x")
    }

    @Test func incompleteUntilTheBlankLine() {
        #expect(parse("GET / HTTP/1.1\r\nHost: x\r\n") == .incomplete)
        #expect(parse("GET / HT") == .incomplete)
    }

    @Test(arguments: [
        ("GET / HTTP/1.1 extra\r\n\r\n", 400), ("GET  / HTTP/1.1\r\n\r\n", 400), ("GET\r\n\r\n", 400),
        ("GET http://example.com/ HTTP/1.1\r\n\r\n", 400), ("GET / HTTP/2.0\r\n\r\n", 505), ("GET / FTP/1.0\r\n\r\n", 400),
        ("G(T / HTTP/1.1\r\n\r\n", 400), ("GET /\u{1} HTTP/1.1\r\n\r\n", 400), ("GET / HTTP/1.1\r\n folded\r\n\r\n", 400),
        ("GET / HTTP/1.1\r\nNoColon\r\n\r\n", 400), ("GET / HTTP/1.1\r\nBad Name: x\r\n\r\n", 400),
        ("GET / HTTP/1.1\r\nX: a\u{0}b\r\n\r\n", 400), ("GET / HTTP/1.1\r\n: empty\r\n\r\n", 400),
        ("\u{0}\u{1}\u{2}garbage\r\n\r\n", 400),
    ])
    func malformedRequestsAreRefused(_ request: String, _ expected: Int) {
        #expect(status(request) == expected)
    }

    @Test func limits414And431() {
        #expect(status("GET /" + String(repeating: "a", count: 200)) == 414, "before the line even ends")
        #expect(status("GET /" + String(repeating: "a", count: 200) + " HTTP/1.1\r\n\r\n") == 414)
        #expect(status("GET / HTTP/1.1\r\nX: " + String(repeating: "b", count: 400)) == 431)
        #expect(status("GET / HTTP/1.1\r\n" + String(repeating: "X: y\r\n", count: 6) + "\r\n") == 431)
        #expect(status(String(repeating: "\r\n", count: 20) + "GET / HTTP/1.1\r\n\r\n") == 400)
    }
}

@Suite struct AccessTokenTests {
    let token = AccessToken("s3cret/+=")!

    @Test func bearerOrQuery() {
        #expect(token.permits(authorization: "Bearer s3cret/+=", query: nil))
        #expect(token.permits(authorization: "bearer s3cret/+=", query: nil))
        #expect(token.permits(authorization: nil, query: "a=1&token=s3cret%2F%2B%3D"))
        #expect(!token.permits(authorization: "Bearer s3cret", query: nil))
        #expect(!token.permits(authorization: "Basic s3cret/+=", query: nil))
        #expect(!token.permits(authorization: nil, query: "token=s3cret/ =x"))
        #expect(!token.permits(authorization: nil, query: "token=%zz"))
        #expect(!token.permits(authorization: nil, query: nil))
        #expect(AccessToken("") == nil && AccessToken(nil) == nil)
    }

    @Test func exposure() {
        #expect(AccessToken.isLoopback("127.0.0.1") && AccessToken.isLoopback("127.1.2.3"))
        #expect(AccessToken.isLoopback("::1") && AccessToken.isLoopback("localhost"))
        #expect(!AccessToken.isLoopback("0.0.0.0") && !AccessToken.isLoopback("::") && !AccessToken.isLoopback("192.0.2.1"))
        #expect(!AccessToken.isLoopback("127.0.0.1.example.com"))
        #expect(StatusServer.exposureWarning(host: "127.0.0.1", authToken: nil) == nil)
        #expect(StatusServer.exposureWarning(host: "0.0.0.0", authToken: "t") == nil)
        let warning = StatusServer.exposureWarning(host: "0.0.0.0", authToken: "")
        #expect(warning?.contains("web.auth_token") == true)
    }
}
