/// The status page, `/metrics` and `/healthz` (`web:`).
public struct WebSettings: Sendable, Equatable {
    /// Serve them. Default: true.
    public var enabled: Bool = true
    /// The address to bind. The page tells who is home: loopback unless a token guards it. Default: `127.0.0.1`.
    public var host: String = "127.0.0.1"
    /// The TCP port; 0 picks a free one (logged). Default: 8780.
    public var port: Int = 8780
    /// When set, the page and `/metrics` need it (`Authorization: Bearer ...` or `?token=`); `/healthz`
    /// never does. Default: none.
    public var authToken: String? = nil
}

extension WebSettings: CustomStringConvertible {
    public var description: String {
        "web \(enabled ? "on" : "off") \(host):\(port)\(authToken == nil ? "" : " token ********")"
    }
}

extension WebSettings: ConfigDecodable {
    enum CodingKeys: String, ConfigKeys {
        case enabled, host, port
        case authToken = "auth_token"
    }

    init(from decoder: ConfigDecoder) throws(ConfigError) {
        let fields = try decoder.fields(CodingKeys.self)
        self.init()
        try fields.read(.enabled, into: &enabled)
        try fields.read(.host, into: &host, expected: "an address to bind, such as 127.0.0.1 (or 0.0.0.0 for every interface, with auth_token)")
        try fields.read(.port, into: &port) { node throws(ConfigError) in
            try node.integer(in: 0...65_535, what: "a TCP port from 1 to 65535, or 0 for a free one")
        }
        authToken = try fields.value(.authToken) { node throws(ConfigError) in
            let expected = "a token of at least 16 characters without spaces, such as the output of: openssl rand -hex 16"
            let token = try node.string(expected: expected)
            guard token.count >= 16, !token.contains(where: \.isWhitespace) else {
                throw node.error(is: "too short or contains spaces", expected: expected)
            }
            return token
        }
    }
}
