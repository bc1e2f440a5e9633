import Glibc

/// The forms of nmap target this module accepts, and which address family each belongs to.
///
/// nmap itself treats anything unrecognised as a hostname and an argument starting with `-` as an
/// option, so checking here is what keeps a stray value from becoming an option or a lookup.
enum NmapTarget {
    enum Family: Sendable, Equatable {
        case ipv4, ipv6
        /// A hostname: nmap resolves it in whichever family the scan uses.
        case either
    }

    /// The family of `text`, or nil when it is not an nmap target this module accepts.
    static func family(of text: String) -> Family? {
        if text.isEmpty || text.hasPrefix("-") { return nil }
        if text.contains(where: \.isWhitespace) { return nil }
        let (address, prefix) = splitPrefix(text)
        if address.contains(":") {
            if let prefix, !isNumber(prefix, max: 128) { return nil }
            return isIPv6(address) ? .ipv6 : nil
        }
        if let prefix, !isNumber(prefix, max: 32) { return nil }
        if isIPv4Pattern(address) { return .ipv4 }
        if isHostname(address) { return .either }
        return nil
    }

    /// A literal IPv4 or IPv6 address (no ranges, no prefix): what a re-probe accepts.
    static func isSingleAddress(_ text: String) -> Bool {
        var v4 = in_addr()
        var v6 = in6_addr()
        return inet_pton(AF_INET, text, &v4) == 1 || inet_pton(AF_INET6, text, &v6) == 1
    }

    /// The address in inet_ntop's form (lower-case, `::` compressed), so that two spellings of one
    /// address compare equal; nil when `text` is not a single IPv4 or IPv6 address.
    static func canonicalAddress(_ text: String) -> String? {
        var v4 = in_addr()
        var v6 = in6_addr()
        var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        if inet_pton(AF_INET, text, &v4) == 1 {
            guard inet_ntop(AF_INET, &v4, &buffer, socklen_t(buffer.count)) != nil else { return nil }
        } else if inet_pton(AF_INET6, text, &v6) == 1 {
            guard inet_ntop(AF_INET6, &v6, &buffer, socklen_t(buffer.count)) != nil else { return nil }
        } else {
            return nil
        }
        return String(decoding: buffer.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    private static func splitPrefix(_ text: String) -> (Substring, Substring?) {
        guard let slash = text.firstIndex(of: "/") else { return (text[...], nil) }
        return (text[..<slash], text[text.index(after: slash)...])
    }

    private static func isNumber(_ text: Substring, max: Int) -> Bool {
        guard !text.isEmpty, text.count <= 3, text.allSatisfy(\.isASCIIDigit), let n = Int(text) else {
            return false
        }
        return n <= max
    }

    /// `a.b.c.d` where each octet is nmap's octet form: `*`, or a comma list of `n`, `n-m`, `-m`, `n-`.
    private static func isIPv4Pattern(_ text: Substring) -> Bool {
        let octets = text.split(separator: ".", omittingEmptySubsequences: false)
        guard octets.count == 4 else { return false }
        return octets.allSatisfy { octet in
            if octet == "*" { return true }
            return !octet.isEmpty
                && octet.split(separator: ",", omittingEmptySubsequences: false).allSatisfy {
                    range in
                    let ends = range.split(separator: "-", maxSplits: 1, omittingEmptySubsequences: false)
                    if ends.count == 1 { return isNumber(ends[0], max: 255) }
                    let (low, high) = (ends[0], ends[1])
                    if low.isEmpty && high.isEmpty { return false }
                    return (low.isEmpty || isNumber(low, max: 255)) && (high.isEmpty || isNumber(high, max: 255))
                }
        }
    }

    private static func isIPv6(_ text: Substring) -> Bool {
        var address = text
        if let percent = text.firstIndex(of: "%") {
            let zone = text[text.index(after: percent)...]
            guard !zone.isEmpty, zone.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "." || $0 == "_" || $0 == "-" })
            else { return false }
            address = text[..<percent]
        }
        var v6 = in6_addr()
        return inet_pton(AF_INET6, String(address), &v6) == 1
    }

    /// DNS-style names: letters, digits, `-` and `_` in dot-separated labels; the last label not all
    /// digits, so that `192.168.1.300` is refused rather than looked up.
    private static func isHostname(_ text: Substring) -> Bool {
        guard !text.isEmpty, text.utf8.count <= 253 else { return false }
        var labels = text.split(separator: ".", omittingEmptySubsequences: false)
        if labels.count > 1, labels.last?.isEmpty == true { labels.removeLast() }
        guard
            labels.allSatisfy({ label in
                !label.isEmpty && label.utf8.count <= 63 && !label.hasPrefix("-") && !label.hasSuffix("-")
                    && label.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }
            })
        else { return false }
        return !(labels.last!.allSatisfy(\.isASCIIDigit))
    }
}
