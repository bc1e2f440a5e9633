/// Everything that can go wrong in the Mosquitto module, in words.
///
/// Broker rejections (bad credentials, not authorised, quota) are kept apart from caller mistakes
/// (invalid topic, payload too large) and from connection trouble: see ``isBrokerRejection`` and
/// ``isCallerMistake``.
public struct MosquittoError: Error, Sendable, Hashable, CustomStringConvertible {
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private enum Backing: String, Sendable {
            case connectionRefused, publishRejected, subscriptionRejected
            case invalidTopic, payloadTooLarge, invalidArgument, invalidConfiguration, notSupported
            case notConnected, connectionLost, tls, network, protocolError, cancelled, shutDown, unknown
        }

        private let backing: Backing
        private init(_ backing: Backing) { self.backing = backing }

        /// The broker refused the CONNECT (bad credentials, not authorised, banned, ...).
        public static let connectionRefused = Code(.connectionRefused)
        /// The broker answered a PUBLISH with a failure reason code (MQTT 5: quota, not authorised, ...).
        public static let publishRejected = Code(.publishRejected)
        /// The broker refused a subscription.
        public static let subscriptionRejected = Code(.subscriptionRejected)
        /// A topic or filter that MQTT does not allow (wildcards in a topic name, empty, bad UTF-8).
        public static let invalidTopic = Code(.invalidTopic)
        /// A payload larger than MQTT or the broker allows.
        public static let payloadTooLarge = Code(.payloadTooLarge)
        /// Another malformed argument.
        public static let invalidArgument = Code(.invalidArgument)
        /// The configuration cannot work (missing TLS file, bad port, ...).
        public static let invalidConfiguration = Code(.invalidConfiguration)
        /// A feature the chosen protocol version does not have (MQTT 5 properties over 3.1.1).
        public static let notSupported = Code(.notSupported)
        /// Not connected now; nothing was sent. The caller decides whether to try again later.
        public static let notConnected = Code(.notConnected)
        /// The connection dropped before the broker confirmed the operation.
        public static let connectionLost = Code(.connectionLost)
        /// TLS failed: certificate verification, handshake, files.
        public static let tls = Code(.tls)
        /// The network failed: connection refused, host unknown, unreachable.
        public static let network = Code(.network)
        /// The broker or the library broke the protocol.
        public static let protocolError = Code(.protocolError)
        /// The waiting task was cancelled.
        public static let cancelled = Code(.cancelled)
        /// The client was disconnected by its owner.
        public static let shutDown = Code(.shutDown)
        public static let unknown = Code(.unknown)

        public var description: String { backing.rawValue }
    }

    public let code: Code
    /// What happened, with the value concerned and, where it helps, what would be right.
    public let message: String
    /// The MQTT reason code the broker sent, when it sent one.
    public let reasonCode: Int?

    public init(_ code: Code, _ message: String, reasonCode: Int? = nil) {
        self.code = code
        self.message = message
        self.reasonCode = reasonCode
    }

    /// The broker said no: retrying the same thing will not help until its configuration changes.
    public var isBrokerRejection: Bool {
        code == .connectionRefused || code == .publishRejected || code == .subscriptionRejected
    }

    /// The caller asked for something that can never work.
    public var isCallerMistake: Bool {
        code == .invalidTopic || code == .payloadTooLarge || code == .invalidArgument
            || code == .invalidConfiguration || code == .notSupported
    }

    public var description: String {
        if let reasonCode {
            return "\(message) (MQTT reason code \(reasonCode))"
        }
        return message
    }
}
