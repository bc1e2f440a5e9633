/// A request to re-probe one device's last address before it is declared gone.
public struct ProbeRequest: Sendable, Hashable {
    /// The device's `id`.
    public var deviceID: String
    /// The address the device was last seen on.
    public var address: String
    /// The device's MAC, so the caller can tell whether an answer came from the same device; nil for IP-keyed ones.
    public var mac: String?
    /// Other hosts that answered the last scan that counted, most steadily present first (at most three).
    /// Probe them together with `address`: when none of them answers either, the network is down and the
    /// result is `.failed`, not `.noAnswer`.
    public var witnesses: [String]
    /// The device's target (index into `PresenceConfiguration.targets`): probe with that target's settings.
    public var target: Int

    public init(deviceID: String, address: String, mac: String?, witnesses: [String] = [], target: Int = 0) {
        self.deviceID = deviceID
        self.address = address
        self.mac = mac
        self.witnesses = witnesses
        self.target = target
    }
}
