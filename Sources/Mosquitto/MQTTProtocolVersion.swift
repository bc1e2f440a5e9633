/// The MQTT protocol spoken to the broker.
public enum MQTTProtocolVersion: Sendable, Hashable, CustomStringConvertible {
    case v311
    case v5

    public var description: String {
        switch self {
        case .v311: "3.1.1"
        case .v5: "5"
        }
    }
}
