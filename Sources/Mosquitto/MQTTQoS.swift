/// MQTT quality of service. An enum, so an out-of-range QoS cannot be expressed.
public enum MQTTQoS: Int, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    case atMostOnce = 0
    case atLeastOnce = 1
    case exactlyOnce = 2

    public var description: String { "QoS \(rawValue)" }
}
