import NetworkAddresses

/// One host nmap reported up.
///
/// JSON form (the `scan --json` output and what the bridge publishes): `ip`, `mac`, `vendor`,
/// `host_name`, `reason`, `randomized_mac`, with `null` for what is unknown.
public struct ScanHost: Sendable, Hashable, Codable {
    public var ipv4: String?
    public var ipv6: String?
    /// Lower-case and colon-separated (`aa:bb:cc:dd:ee:ff`): from nmap when it ran with raw sockets,
    /// else from the kernel neighbour table right after the scan; nil when neither knew it.
    public var mac: String?
    /// From nmap, else from nmap's `nmap-mac-prefixes`; nil for unknown and randomised prefixes.
    public var vendor: String?
    /// The first name nmap lists (the target name the user gave, else reverse DNS).
    public var hostName: String?
    /// Why nmap thinks it is up (`arp-response`, `syn-ack`, `conn-refused`, `localhost-response`...).
    public var reason: String
    /// The MAC is locally administered, as phones' per-network random addresses are; its prefix says
    /// nothing about the maker.
    public var randomizedMAC: Bool

    /// The address to show and to re-probe: IPv4 when there is one.
    public var address: String { ipv4 ?? ipv6 ?? "" }

    public init(
        ipv4: String? = nil, ipv6: String? = nil, mac: String? = nil, vendor: String? = nil,
        hostName: String? = nil, reason: String, randomizedMAC: Bool? = nil
    ) {
        self.ipv4 = ipv4
        self.ipv6 = ipv6
        self.mac = mac
        self.vendor = vendor
        self.hostName = hostName
        self.reason = reason
        self.randomizedMAC = randomizedMAC ?? mac.flatMap(MACAddress.init)?.isLocallyAdministered ?? false
    }

    enum CodingKeys: String, CodingKey {
        case ip, mac, vendor
        case hostName = "host_name"
        case reason
        case randomizedMAC = "randomized_mac"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let ip = try container.decodeIfPresent(String.self, forKey: .ip)
        if let ip, ip.contains(":") { ipv6 = ip } else { ipv4 = ip }
        mac = try container.decodeIfPresent(String.self, forKey: .mac)
        vendor = try container.decodeIfPresent(String.self, forKey: .vendor)
        hostName = try container.decodeIfPresent(String.self, forKey: .hostName)
        reason = try container.decodeIfPresent(String.self, forKey: .reason) ?? ""
        randomizedMAC = try container.decodeIfPresent(Bool.self, forKey: .randomizedMAC) ?? false
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(address, forKey: .ip)
        try container.encode(mac, forKey: .mac)
        try container.encode(vendor, forKey: .vendor)
        try container.encode(hostName, forKey: .hostName)
        try container.encode(reason, forKey: .reason)
        try container.encode(randomizedMAC, forKey: .randomizedMAC)
    }
}
