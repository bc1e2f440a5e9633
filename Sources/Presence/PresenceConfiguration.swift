/// The settings that shape presence decisions. Key names follow Home Assistant's `nmap_tracker`.
public struct PresenceConfiguration: Sendable {
    /// Grace after the last sighting before a device may be declared `not_home`. Default: 180 s.
    public var considerHome: Duration
    /// Devices seen this recently are left out of the next scan to spare their batteries; zero turns it off.
    /// Default: 0 (off).
    public var homeInterval: Duration
    /// MACs never to track, in any common spelling. Default: empty.
    public var excludeMACs: Set<String>
    /// Track MACs that are not listed in `devices`. Default: true.
    public var trackNewDevices: Bool
    /// Track hosts whose MAC cannot be known, keyed by IP (`ip_a_b_c_d`). Default: false.
    public var trackWithoutMAC: Bool
    /// Per-device settings keyed by MAC (any common spelling; normalized by the engine). Default: empty.
    public var devices: [String: DeviceSettings]

    public init(
        considerHome: Duration = .seconds(180),
        homeInterval: Duration = .zero,
        excludeMACs: Set<String> = [],
        trackNewDevices: Bool = true,
        trackWithoutMAC: Bool = false,
        devices: [String: DeviceSettings] = [:]
    ) {
        self.considerHome = considerHome
        self.homeInterval = homeInterval
        self.excludeMACs = excludeMACs
        self.trackNewDevices = trackNewDevices
        self.trackWithoutMAC = trackWithoutMAC
        self.devices = devices
    }
}
