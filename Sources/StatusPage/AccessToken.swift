/// `web.auth_token`: when set, the page and `/metrics` need it, as `Authorization: Bearer TOKEN` or as
/// `?token=TOKEN` (for a browser bookmark). `/healthz` never does: it tells no one who is home, and
/// container health checks call it without credentials.
public struct AccessToken: Sendable, Equatable {
    private let token: [UInt8]

    /// Nil for a missing or empty token (no check).
    public init?(_ token: String?) {
        guard let token, !token.isEmpty else { return nil }
        self.token = Array(token.utf8)
    }

    /// Whether the request carries the token, in its `Authorization` header or its query.
    public func permits(authorization: String?, query: Substring?) -> Bool {
        var allowed = false
        if let authorization {
            let parts = authorization.split(separator: " ", maxSplits: 1)
            if parts.count == 2, parts[0].lowercased() == "bearer" {
                allowed = matches(Array(parts[1].utf8)) || allowed
            }
        }
        if let query {
            for pair in query.split(separator: "&") where pair.hasPrefix("token=") {
                if let value = Self.percentDecoded(pair.dropFirst(6)) { allowed = matches(value) || allowed }
            }
        }
        return allowed
    }

    /// Compares in time that depends only on the lengths, so timing tells nothing of the token's bytes.
    private func matches(_ candidate: [UInt8]) -> Bool {
        var difference = UInt8(candidate.count == token.count ? 0 : 1)
        for index in 0..<max(candidate.count, token.count) {
            let left = index < candidate.count ? candidate[index] : 0
            let right = index < token.count ? token[index] : 0
            difference |= left ^ right
        }
        return difference == 0
    }

    /// `%XX` and `+` decoded; nil for a malformed escape.
    static func percentDecoded(_ text: Substring) -> [UInt8]? {
        var bytes: [UInt8] = []
        var iterator = Array(text.utf8).makeIterator()
        while let byte = iterator.next() {
            switch byte {
            case UInt8(ascii: "%"):
                guard let high = iterator.next().flatMap(hex), let low = iterator.next().flatMap(hex) else { return nil }
                bytes.append(high << 4 | low)
            case UInt8(ascii: "+"):
                bytes.append(0x20)
            default:
                bytes.append(byte)
            }
        }
        return bytes
    }

    private static func hex(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    /// Whether `host` binds only this machine: `127.0.0.0/8`, `::1` or `localhost`.
    public static func isLoopback(_ host: String) -> Bool {
        let lower = host.lowercased()
        if lower == "localhost" || lower == "::1" || lower == "[::1]" { return true }
        let octets = lower.split(separator: ".", omittingEmptySubsequences: false)
        return octets.count == 4 && octets[0] == "127" && octets.allSatisfy { UInt8($0) != nil }
    }
}
