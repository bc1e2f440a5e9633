/// A request to re-probe one device's last address (nmap `-sn` on that one address) before it is declared gone.
public struct ProbeRequest: Sendable, Hashable {
    /// The device's `id`.
    public var deviceID: String
    /// The address the device was last seen on.
    public var address: String
    /// The device's MAC, so the caller can tell whether an answer came from the same device; nil for IP-keyed ones.
    public var mac: String?

    public init(deviceID: String, address: String, mac: String?) {
        self.deviceID = deviceID
        self.address = address
        self.mac = mac
    }
}
