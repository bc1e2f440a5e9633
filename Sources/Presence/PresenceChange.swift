/// What one engine step changed, for the publisher. Devices the user deleted produce no changes.
public enum PresenceChange: Sendable, Equatable {
    /// The device is new, or was `not_home` and was seen again. Field changes are folded into the arrival.
    case arrived(Device)
    /// The device's grace ran out and its re-probe got no answer.
    case departed(Device)
    /// A device that stays home was seen with a different IP, host name or vendor.
    case updated(Device, changed: Set<DeviceField>)

    /// The device as it is after the change.
    public var device: Device {
        switch self {
        case .arrived(let device), .departed(let device), .updated(let device, _): device
        }
    }
}
