/// One device of Home Assistant's `known_devices.yaml`, turned into a `devices:` entry.
public struct KnownDevice: Sendable, Equatable {
    /// Home Assistant's device id, the entry's key (`annas_iphone`); its entity was `device_tracker.<slug>`.
    public var slug: String
    /// The line of the entry's key in known_devices.yaml.
    public var line: Int?
    public var entry: DeviceEntry

    public init(slug: String, line: Int?, entry: DeviceEntry) {
        self.slug = slug
        self.line = line
        self.entry = entry
    }
}
