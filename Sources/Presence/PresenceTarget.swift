/// One scan target of a node (a segment with its own schedule: the phones' Wi-Fi every 10 s, an IoT VLAN
/// every minute), as the engine needs it: each target watches its own devices, so a slow or broken
/// segment never counts against the devices of a fast one.
public struct PresenceTarget: Sendable, Hashable {
    /// Grace after the last sighting before a device of this target may be declared `not_home`, unless
    /// the device has its own. Default: 180 s.
    public var considerHome: Duration
    /// Devices of this target seen this recently are left out of its next scan; zero turns it off.
    /// Default: 0 (off).
    public var homeInterval: Duration
    /// Time between this target's scan starts: a longer pause (plus the engine's `watchSlack`) was not
    /// watched. Default: 12 s.
    public var scanInterval: Duration

    public init(considerHome: Duration = .seconds(180), homeInterval: Duration = .zero, scanInterval: Duration = .seconds(12)) {
        self.considerHome = considerHome
        self.homeInterval = homeInterval
        self.scanInterval = scanInterval
    }
}
