/// The message the broker publishes for the client when it drops without a clean disconnect.
public struct MQTTWill: Sendable, Hashable {
    public var topic: String
    public var payload: [UInt8]
    /// Default: at least once.
    public var qos: MQTTQoS
    /// Default: true, so late subscribers learn the client is gone.
    public var retain: Bool

    public init(topic: String, payload: some Sequence<UInt8>, qos: MQTTQoS = .atLeastOnce, retain: Bool = true) {
        self.topic = topic
        self.payload = Array(payload)
        self.qos = qos
        self.retain = retain
    }
}
