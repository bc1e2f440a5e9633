import NetworkAddresses

/// Reads the sighting an Ethernet frame carries: pure, no system calls, no allocation (except the host
/// name of a DHCP message that has one), every read bounds-checked by `Span`, so a truncated or hostile
/// frame is ignored and never crashes.
///
/// It understands, in untagged Ethernet II frames:
/// - ARP for IPv4 over Ethernet (RFC 826): probes (sender 0.0.0.0, RFC 5227), announcements (sender =
///   target, request or reply), other requests and replies. The MAC is the ARP sender's.
/// - DHCP client messages (RFC 2131) in unfragmented IPv4 UDP from port 68 to 67: DISCOVER, REQUEST and
///   INFORM (option 53). The MAC is `chaddr`; `ip` is `ciaddr`, `requestedIP` option 50, the host
///   name option 12. Relayed messages (`giaddr` set, or hops) are ignored: their client is on another
///   segment. DECLINE and RELEASE are ignored too: a frame never means a device left.
///
/// Frames with an 802.1Q or 802.1ad tag in the data are ignored (`.vlanTagged`): they belong to
/// another VLAN, whose own interface the listener hears untagged. Options in `sname`/`file` (option 52,
/// "overload") are not read.
public enum PassiveFrameDecoder {
    /// The sighting in `frame` (from its first byte, the destination MAC), or nil when it carries none.
    public static func decode(_ frame: Span<UInt8>, interfaceIndex: Int32 = 0) -> PassiveSighting? {
        if case .sighting(let sighting) = inspect(frame, interfaceIndex: interfaceIndex) { return sighting }
        return nil
    }

    /// What `decode` made of a frame, with the reason when it is not a sighting (for the tests).
    enum Outcome: Equatable {
        case sighting(PassiveSighting)
        case ignored(Ignored)
    }

    enum Ignored: Equatable {
        /// Shorter than its headers or length fields say.
        case truncated
        case vlanTagged
        /// Neither ARP nor IPv4.
        case otherProtocol
        /// ARP for something other than IPv4 over Ethernet, or an unknown operation.
        case unsupportedARP
        /// A sender (MAC or IPv4) no single device can have, or a probe of one.
        case implausibleSender
        case malformedIP
        case ipFragment
        /// IPv4 but not UDP from 68 to 67.
        case notDHCPClientTraffic
        /// Not a BOOTREQUEST for Ethernet with the DHCP magic cookie, or options that run past the end.
        case malformedDHCP
        /// No option 53, or a type other than DISCOVER, REQUEST, INFORM.
        case notDHCPClientMessage
        case relayed
    }

    static let ethernetHeaderLength = 14

    static func inspect(_ frame: Span<UInt8>, interfaceIndex: Int32) -> Outcome {
        guard frame.count >= ethernetHeaderLength else { return .ignored(.truncated) }
        switch UInt16(frame[12]) << 8 | UInt16(frame[13]) {
        case 0x0806: return arp(frame, interfaceIndex: interfaceIndex)
        case 0x0800: return dhcp(frame, interfaceIndex: interfaceIndex)
        case 0x8100, 0x88a8, 0x9100: return .ignored(.vlanTagged)
        default: return .ignored(.otherProtocol)
        }
    }

    // MARK: ARP

    /// Offsets in the frame of RFC 826's fields for IPv4 over Ethernet (28 bytes after the header).
    private enum ARP {
        static let hardwareType = 14, protocolType = 16, hardwareLength = 18, protocolLength = 19, operation = 20
        static let senderMAC = 22, senderIP = 28, targetIP = 38
        static let end = 42
    }

    private static func arp(_ frame: Span<UInt8>, interfaceIndex: Int32) -> Outcome {
        guard frame.count >= ARP.end else { return .ignored(.truncated) }
        guard uint16(frame, ARP.hardwareType) == 1, uint16(frame, ARP.protocolType) == 0x0800,
            frame[ARP.hardwareLength] == 6, frame[ARP.protocolLength] == 4
        else { return .ignored(.unsupportedARP) }
        let operation = uint16(frame, ARP.operation)
        guard operation == 1 || operation == 2 else { return .ignored(.unsupportedARP) }
        let mac = MACAddress(frame, at: ARP.senderMAC)
        guard mac.isUnicast, !mac.isZero else { return .ignored(.implausibleSender) }
        let sender = IPv4Address(frame, at: ARP.senderIP)
        let target = IPv4Address(frame, at: ARP.targetIP)
        if sender.isUnspecified {
            guard operation == 1, target.isPlausibleHost else { return .ignored(.implausibleSender) }
            return .sighting(PassiveSighting(mac: mac, requestedIP: target, kind: .arpProbe, interfaceIndex: interfaceIndex))
        }
        guard sender.isPlausibleHost else { return .ignored(.implausibleSender) }
        let kind: PassiveSighting.Kind = sender == target ? .arpAnnouncement : operation == 1 ? .arpRequest : .arpReply
        return .sighting(PassiveSighting(mac: mac, ip: sender, kind: kind, interfaceIndex: interfaceIndex))
    }

    // MARK: DHCP

    /// Offsets inside the BOOTP message (RFC 2131 figure 1).
    private enum BOOTP {
        static let operation = 0, hardwareType = 1, hardwareLength = 2, hops = 3
        static let clientIP = 12, relayIP = 24, clientMAC = 28, magicCookie = 236, options = 240
    }

    private static func dhcp(_ frame: Span<UInt8>, interfaceIndex: Int32) -> Outcome {
        let ip = ethernetHeaderLength
        guard frame.count >= ip + 20 else { return .ignored(.truncated) }
        guard frame[ip] >> 4 == 4 else { return .ignored(.malformedIP) }
        let headerLength = Int(frame[ip] & 0x0f) * 4
        let totalLength = Int(uint16(frame, ip + 2))
        guard headerLength >= 20, totalLength >= headerLength else { return .ignored(.malformedIP) }
        // More-fragments flag or a fragment offset: DHCP is never fragmented, and a piece cannot be read.
        guard uint16(frame, ip + 6) & 0x3fff == 0 else { return .ignored(.ipFragment) }
        guard frame[ip + 9] == 17 else { return .ignored(.notDHCPClientTraffic) }
        // Ethernet pads short frames: the IP total length, not the frame, says where the datagram ends.
        guard frame.count >= ip + totalLength, totalLength >= headerLength + 8 else { return .ignored(.truncated) }
        let udp = ip + headerLength
        guard uint16(frame, udp) == 68, uint16(frame, udp + 2) == 67 else { return .ignored(.notDHCPClientTraffic) }
        let udpLength = Int(uint16(frame, udp + 4))
        guard udpLength >= 8, udp + udpLength <= ip + totalLength else { return .ignored(.truncated) }
        let message = frame.extracting(udp + 8..<udp + udpLength)
        return dhcpMessage(message, interfaceIndex: interfaceIndex)
    }

    private static func dhcpMessage(_ message: Span<UInt8>, interfaceIndex: Int32) -> Outcome {
        guard message.count >= BOOTP.options else { return .ignored(.truncated) }
        guard message[BOOTP.operation] == 1, message[BOOTP.hardwareType] == 1, message[BOOTP.hardwareLength] == 6,
            uint32(message, BOOTP.magicCookie) == 0x6382_5363
        else { return .ignored(.malformedDHCP) }
        guard message[BOOTP.hops] == 0, uint32(message, BOOTP.relayIP) == 0 else { return .ignored(.relayed) }
        let mac = MACAddress(message, at: BOOTP.clientMAC)
        guard mac.isUnicast, !mac.isZero else { return .ignored(.implausibleSender) }

        var messageType: UInt8?
        var requested: IPv4Address?
        var hostName: Range<Int>?
        var at = BOOTP.options
        scan: while at < message.count {
            let code = message[at]
            switch code {
            case 0:
                at += 1
                continue
            case 255:
                break scan
            default:
                guard at + 1 < message.count else { return .ignored(.malformedDHCP) }
                let length = Int(message[at + 1])
                let value = at + 2..<at + 2 + length
                guard value.upperBound <= message.count else { return .ignored(.malformedDHCP) }
                // The first of a repeated option counts (RFC 3396 concatenation is not needed for these).
                switch code {
                case 53 where length == 1 && messageType == nil: messageType = message[value.lowerBound]
                case 50 where length == 4 && requested == nil: requested = IPv4Address(message, at: value.lowerBound)
                case 12 where length >= 1 && hostName == nil: hostName = value
                default: break
                }
                at = value.upperBound
            }
        }
        let kind: PassiveSighting.Kind
        switch messageType {
        case 1: kind = .dhcpDiscover
        case 3: kind = .dhcpRequest
        case 8: kind = .dhcpInform
        default: return .ignored(.notDHCPClientMessage)
        }
        let client = IPv4Address(message, at: BOOTP.clientIP)
        return .sighting(
            PassiveSighting(
                mac: mac, ip: client.isPlausibleHost ? client : nil,
                requestedIP: requested.flatMap { $0.isPlausibleHost ? $0 : nil },
                hostName: hostName.flatMap { DHCPHostName.sanitised(message.extracting($0)) },
                kind: kind, interfaceIndex: interfaceIndex))
    }

    // MARK: Bytes

    /// Big-endian (network order) reads; the span checks the bounds.
    private static func uint16(_ bytes: Span<UInt8>, _ offset: Int) -> UInt16 {
        UInt16(bytes[offset]) << 8 | UInt16(bytes[offset + 1])
    }

    private static func uint32(_ bytes: Span<UInt8>, _ offset: Int) -> UInt32 {
        UInt32(uint16(bytes, offset)) << 16 | UInt32(uint16(bytes, offset + 2))
    }
}
