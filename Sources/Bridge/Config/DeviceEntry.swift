/// Per-device settings from the `devices` list, keyed by MAC.
public struct DeviceEntry: Sendable, Equatable {
    /// The MAC in lower-case colon form (`aa:bb:cc:dd:ee:ff`), whatever notation the file used.
    public var mac: String
    /// Display name in Home Assistant. Default: none (host name, else vendor and MAC).
    public var name: String?
    /// Grace before `not_home` for this device. Default: none (`scan.consider_home`).
    public var considerHome: Duration?
    /// false = never publish this device. Default: true.
    public var track: Bool

    public init(mac: String, name: String? = nil, considerHome: Duration? = nil, track: Bool = true) {
        self.mac = mac
        self.name = name
        self.considerHome = considerHome
        self.track = track
    }
}
