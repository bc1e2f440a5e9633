/// Per-device settings from the `devices` list of the configuration, keyed there by normalized MAC.
public struct DeviceSettings: Sendable, Hashable {
    /// The name to show instead of the derived one. Default: nil (derived from host name, vendor or MAC).
    public var name: String?
    /// Overrides the global `consider_home` for this device. Default: nil (the global value).
    public var considerHome: Duration?
    /// False ignores the device entirely: it is never tracked and never appears in changes. Default: true.
    public var track: Bool

    public init(name: String? = nil, considerHome: Duration? = nil, track: Bool = true) {
        self.name = name
        self.considerHome = considerHome
        self.track = track
    }
}
