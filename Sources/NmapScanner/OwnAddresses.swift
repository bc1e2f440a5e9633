import Glibc

/// This machine's own addresses, from getifaddrs(), to keep nmap off them by default: the host never
/// has a MAC in its own scan, and port-scanning it trips login-failure bans (Home Assistant #17594).
enum OwnAddresses {
    /// Non-loopback IPv4 addresses and global or unique-local IPv6 addresses (link-local ones need a
    /// zone that --exclude cannot take).
    static func current() -> (ipv4: [String], ipv6: [String]) {
        var ipv4: [String] = []
        var ipv6: [String] = []
        var list: UnsafeMutablePointer<ifaddrs>?
        guard getifaddrs(&list) == 0, let first = list else { return ([], []) }
        defer { freeifaddrs(list) }
        var cursor: UnsafeMutablePointer<ifaddrs>? = first
        while let entry = cursor {
            defer { cursor = entry.pointee.ifa_next }
            guard let address = entry.pointee.ifa_addr else { continue }
            var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
            switch Int32(address.pointee.sa_family) {
            case AF_INET:
                var sin = UnsafeRawPointer(address).loadUnaligned(as: sockaddr_in.self).sin_addr
                guard inet_ntop(AF_INET, &sin, &buffer, socklen_t(buffer.count)) != nil else { continue }
                let text = String(decoding: buffer.prefix(while: { $0 != 0 }).map(UInt8.init(bitPattern:)), as: UTF8.self)
                if !text.hasPrefix("127.") && !ipv4.contains(text) { ipv4.append(text) }
            case AF_INET6:
                var sin6 = UnsafeRawPointer(address).loadUnaligned(as: sockaddr_in6.self).sin6_addr
                let firstByte = withUnsafeBytes(of: sin6) { $0[0] }
                let secondByte = withUnsafeBytes(of: sin6) { $0[1] }
                if firstByte == 0xfe && secondByte & 0xc0 == 0x80 { continue } // fe80::/10
                guard inet_ntop(AF_INET6, &sin6, &buffer, socklen_t(buffer.count)) != nil else { continue }
                let text = String(decoding: buffer.prefix(while: { $0 != 0 }).map(UInt8.init(bitPattern:)), as: UTF8.self)
                if text != "::1" && !ipv6.contains(text) { ipv6.append(text) }
            default:
                continue
            }
        }
        return (ipv4, ipv6)
    }
}
