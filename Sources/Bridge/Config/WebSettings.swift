/// The status page, `/metrics` and `/healthz` (`web:`).
public struct WebSettings: Sendable, Equatable {
    /// Serve them. Default: true.
    public var enabled: Bool
    /// The address to bind. The page tells who is home: loopback unless a token guards it. Default: `127.0.0.1`.
    public var host: String
    /// The TCP port; 0 picks a free one (logged). Default: 8780.
    public var port: Int
    /// When set, the page and `/metrics` need it (`Authorization: Bearer ...` or `?token=`); `/healthz`
    /// never does. Default: none.
    public var authToken: String?

    public init(enabled: Bool = true, host: String = "127.0.0.1", port: Int = 8780, authToken: String? = nil) {
        self.enabled = enabled
        self.host = host
        self.port = port
        self.authToken = authToken
    }
}

extension WebSettings: CustomStringConvertible {
    public var description: String {
        "web \(enabled ? "on" : "off") \(host):\(port)\(authToken == nil ? "" : " token ********")"
    }
}
