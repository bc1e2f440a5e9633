/// What `known_devices.yaml` holds for nmap2mqtt: the devices it can track, and notes about what was
/// left out or filled in (a device without a MAC, a name taken from the key, a duplicate).
public struct KnownDevicesImport: Sendable, Equatable {
    /// In the file's order, one per MAC.
    public var devices: [KnownDevice]
    /// For standard error; none of them stops the import.
    public var notes: [ImportIssue]

    public init(devices: [KnownDevice], notes: [ImportIssue]) {
        self.devices = devices
        self.notes = notes
    }

    public var entries: [DeviceEntry] { devices.map(\.entry) }
}
