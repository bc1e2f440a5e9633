/// What happened to the connection, in order, for callers that must react (re-publish on reconnect).
public enum MQTTConnectionEvent: Sendable, Hashable {
    /// The broker accepted the connection. `sessionPresent`: it still held our session.
    case connected(sessionPresent: Bool)
    /// The connection ended. `expected` is true after our own `disconnect()`.
    case disconnected(reason: String, expected: Bool)
    /// An attempt to (re)connect failed; the client tries again after `retryIn`.
    case connectFailed(reason: String, retryIn: Duration)
}
