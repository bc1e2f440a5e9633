import NetworkAddresses

/// One device heard: what a frame (or a kernel neighbour event) says about the MAC that sent it.
///
/// It knows nothing of presence: whether the MAC is tracked, inside `scan.hosts` or excluded is the
/// consumer's business.
public struct PassiveSighting: Sendable, Hashable, CustomStringConvertible {
    /// What was heard. The raw values are short and stable, for logs and payloads (like nmap's
    /// `reason`).
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        /// ARP request from 0.0.0.0 (RFC 5227): the device checks that `requestedIP` is free, typically
        /// right after it joined.
        case arpProbe = "arp-probe"
        /// Gratuitous ARP, request or reply, whose sender and target are the same address: the device
        /// claims or re-announces `ip`.
        case arpAnnouncement = "arp-announcement"
        /// The device asks who has some other address.
        case arpRequest = "arp-request"
        /// The device answers an ARP request (heard when the reply is broadcast or addressed to us).
        case arpReply = "arp-reply"
        /// DHCPDISCOVER: the device looks for a DHCP server, typically as it joins.
        case dhcpDiscover = "dhcp-discover"
        /// DHCPREQUEST: the device takes, renews or re-confirms a lease (`requestedIP` or `ip`).
        case dhcpRequest = "dhcp-request"
        /// DHCPINFORM: a device with an address (`ip`) asks for configuration only.
        case dhcpInform = "dhcp-inform"
        /// The kernel's neighbour table confirmed the device (the fallback without `CAP_NET_RAW`).
        case neighbour
    }

    public var mac: MACAddress
    /// The address the device holds now: the ARP sender's, DHCP's `ciaddr`, the neighbour entry's.
    /// nil while it has none (it sent from 0.0.0.0).
    public var ip: IPv4Address?
    /// The address the device probes or asks for (an ARP probe's target, DHCP option 50), when it
    /// has no address yet or wants another.
    public var requestedIP: IPv4Address?
    /// DHCP option 12, sanitised (see `DHCPHostName`); nil when absent or unusable.
    public var hostName: String?
    public var kind: Kind
    /// The interface the frame arrived on, as `if_nametoindex(3)` numbers them; 0 when unknown.
    public var interfaceIndex: Int32

    public init(
        mac: MACAddress, ip: IPv4Address? = nil, requestedIP: IPv4Address? = nil, hostName: String? = nil,
        kind: Kind, interfaceIndex: Int32 = 0
    ) {
        self.mac = mac
        self.ip = ip
        self.requestedIP = requestedIP
        self.hostName = hostName
        self.kind = kind
        self.interfaceIndex = interfaceIndex
    }

    /// The device's address as best known: the one it holds, else the one it asks for.
    public var address: IPv4Address? { ip ?? requestedIP }

    public var description: String {
        var text = "\(kind.rawValue) \(mac)"
        if let ip { text += " ip \(ip)" }
        if let requestedIP { text += " requested \(requestedIP)" }
        if let hostName { text += " name \(hostName)" }
        return text
    }
}
