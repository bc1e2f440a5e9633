/// MQTT 5 features, kept in their own namespace so that 3.1.1 users never meet them by accident.
public enum MQTTv5 {
    /// A user property: an ordered name/value pair that may repeat.
    public struct UserProperty: Sendable, Hashable {
        public var name: String
        public var value: String

        public init(_ name: String, _ value: String) {
            self.name = name
            self.value = value
        }
    }

    /// The PUBLISH properties the client sends and reports on received messages.
    public struct PublishProperties: Sendable, Hashable {
        /// Seconds after which the broker drops the message if it is not delivered. Default: none.
        public var messageExpiryInterval: UInt32?
        /// MIME type of the payload, e.g. `application/json`. Default: none.
        public var contentType: String?
        /// Default: none.
        public var userProperties: [UserProperty]

        public init(messageExpiryInterval: UInt32? = nil, contentType: String? = nil, userProperties: [UserProperty] = []) {
            self.messageExpiryInterval = messageExpiryInterval
            self.contentType = contentType
            self.userProperties = userProperties
        }

        var isEmpty: Bool { messageExpiryInterval == nil && contentType == nil && userProperties.isEmpty }
    }
}
