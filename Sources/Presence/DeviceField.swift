/// The device attributes whose change is reported as `PresenceChange.updated`.
public enum DeviceField: String, Sendable, Hashable, CaseIterable {
    case ip
    case hostName = "host_name"
    case vendor
}
