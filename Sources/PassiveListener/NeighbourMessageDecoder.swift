import NetworkAddresses

/// Reads the kernel's rtnetlink neighbour messages (RTM_NEWNEIGH, RTM_DELNEIGH) from a netlink
/// datagram: pure, bounds-checked, no allocation. Netlink headers are in host byte order; addresses in
/// attributes are in network order.
///
/// Layout: each message is a `nlmsghdr` (length, type, flags, sequence, port), then for neighbour
/// messages an `ndmsg` (family, padding, interface index, NUD state, flags, type) and `rtattr`s
/// (length, type, value, padded to 4 bytes), of which NDA_DST (the IPv4 address) and NDA_LLADDR (the
/// MAC) are read. Other families than IPv4, proxy entries and link addresses that are not six bytes
/// are skipped.
enum NeighbourMessageDecoder {
    /// The kernel's NUD states (<linux/neighbour.h>).
    struct State: OptionSet, Hashable, Sendable {
        let rawValue: UInt16
        static let incomplete = State(rawValue: 0x01)
        static let reachable = State(rawValue: 0x02)
        static let stale = State(rawValue: 0x04)
        static let delay = State(rawValue: 0x08)
        static let probe = State(rawValue: 0x10)
        static let failed = State(rawValue: 0x20)
        static let noARP = State(rawValue: 0x40)
        static let permanent = State(rawValue: 0x80)
    }

    struct Update: Equatable, Sendable {
        var deleted: Bool
        var interfaceIndex: Int32
        var state: State
        var ip: IPv4Address
        /// nil when the entry has no link address (yet): INCOMPLETE, FAILED.
        var mac: MACAddress?
    }

    enum Message: Equatable {
        /// An IPv4 neighbour entry, added, changed or deleted; `sequence` is 0 for events and the
        /// request's for a dump's answers.
        case neighbour(Update, sequence: UInt32)
        /// The end of a dump.
        case done(sequence: UInt32)
        /// The kernel refused a request (`code` is a negative errno).
        case error(code: Int32, sequence: UInt32)
        /// Anything else, or a neighbour message this decoder skips.
        case skipped
    }

    /// Calls `body` with each message in `datagram`, in order, stopping at the first whose length
    /// does not fit.
    static func forEachMessage(in datagram: Span<UInt8>, _ body: (Message) -> Void) {
        var at = 0
        while datagram.count - at >= LinuxABI.netlinkHeaderLength {
            let length = Int(uint32(datagram, at))
            guard length >= LinuxABI.netlinkHeaderLength, length <= datagram.count - at else { return }
            body(message(datagram.extracting(at..<at + length)))
            at += align(length)
        }
    }

    /// One message, header included.
    static func message(_ message: Span<UInt8>) -> Message {
        let type = uint16(message, 4)
        let sequence = uint32(message, 8)
        let payload = LinuxABI.netlinkHeaderLength
        switch type {
        case LinuxABI.messageDone:
            return .done(sequence: sequence)
        case LinuxABI.messageError:
            guard message.count >= payload + 4 else { return .skipped }
            return .error(code: Int32(bitPattern: uint32(message, payload)), sequence: sequence)
        case LinuxABI.newNeighbour, LinuxABI.deleteNeighbour:
            guard let update = neighbour(message.extracting(payload...), deleted: type == LinuxABI.deleteNeighbour) else {
                return .skipped
            }
            return .neighbour(update, sequence: sequence)
        default:
            return .skipped
        }
    }

    /// An `ndmsg` and its attributes.
    private static func neighbour(_ body: Span<UInt8>, deleted: Bool) -> Update? {
        guard body.count >= LinuxABI.neighbourHeaderLength, body[0] == 2 /* AF_INET */ else { return nil }
        guard body[10] & LinuxABI.neighbourFlagProxy == 0 else { return nil }
        let interfaceIndex = Int32(bitPattern: uint32(body, 4))
        let state = State(rawValue: uint16(body, 8))
        var ip: IPv4Address?
        var mac: MACAddress?
        var at = LinuxABI.neighbourHeaderLength
        while body.count - at >= 4 {
            let length = Int(uint16(body, at))
            // The two top bits of the type are flags (NLA_F_NESTED, NLA_F_NET_BYTEORDER).
            let type = uint16(body, at + 2) & 0x3fff
            guard length >= 4, length <= body.count - at else { return nil }
            let valueLength = length - 4
            switch type {
            case LinuxABI.neighbourDestination where valueLength == 4: ip = IPv4Address(body, at: at + 4)
            case LinuxABI.neighbourLinkAddress where valueLength == 6: mac = MACAddress(body, at: at + 4)
            default: break
            }
            at += align(length)
        }
        guard let ip else { return nil }
        return Update(deleted: deleted, interfaceIndex: interfaceIndex, state: state, ip: ip, mac: mac)
    }

    /// NLMSG_ALIGN and RTA_ALIGN: 4 bytes.
    private static func align(_ length: Int) -> Int { (length + 3) & ~3 }

    /// Host byte order, as the kernel writes netlink headers.
    private static func uint16(_ bytes: Span<UInt8>, _ offset: Int) -> UInt16 {
        UInt16(littleEndian: UInt16(bytes[offset]) | UInt16(bytes[offset + 1]) << 8)
    }

    private static func uint32(_ bytes: Span<UInt8>, _ offset: Int) -> UInt32 {
        UInt32(
            littleEndian: UInt32(bytes[offset]) | UInt32(bytes[offset + 1]) << 8
                | UInt32(bytes[offset + 2]) << 16 | UInt32(bytes[offset + 3]) << 24)
    }
}
