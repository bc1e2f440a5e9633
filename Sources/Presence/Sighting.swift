/// One host that a complete scan found up: what the scanner knows about it at the end of that scan.
public struct Sighting: Sendable, Hashable {
    /// The MAC in any common spelling; the engine normalizes it (`aa:bb:cc:dd:ee:ff`). Nil when it could not
    /// be known (routed or VPN peers, the scanning host itself); a MAC that does not parse counts as none.
    public var mac: String?
    /// The address nmap reported the host up on.
    public var ip: String
    /// The reverse-DNS name nmap reported, if any.
    public var hostName: String?
    /// The vendor of the MAC's OUI, if known.
    public var vendor: String?
    /// nmap's status reason (`arp-response`, `syn-ack`, ...).
    public var reason: String
    /// Whether the MAC is locally administered (a phone's private address), as decided by the scanner.
    public var randomizedMAC: Bool

    public init(
        mac: String?,
        ip: String,
        hostName: String? = nil,
        vendor: String? = nil,
        reason: String = "arp-response",
        randomizedMAC: Bool = false
    ) {
        self.mac = mac
        self.ip = ip
        self.hostName = hostName
        self.vendor = vendor
        self.reason = reason
        self.randomizedMAC = randomizedMAC
    }
}
