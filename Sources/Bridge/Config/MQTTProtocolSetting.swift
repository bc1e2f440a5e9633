/// The MQTT protocol version spoken to the broker.
public enum MQTTProtocolSetting: String, Sendable, Equatable, CaseIterable {
    /// MQTT 5: reason codes on PUBACK, so broker rejections are visible.
    case v5 = "5"
    /// MQTT 3.1.1, for old brokers.
    case v311 = "3.1.1"
}
