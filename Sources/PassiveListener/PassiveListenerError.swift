import Glibc

/// Why the listener could not start. The message says what was wrong, with which value, and what would
/// be right.
public struct PassiveListenerError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Hashable {
        /// A configuration value out of range: the caller's mistake.
        case invalidSetting
        /// An interface name this namespace does not have.
        case noSuchInterface
        /// The packet socket was required (`source: .packetSocket`) and the process may not open one.
        case permissionDenied
        /// A system call failed for another reason.
        case socketFailed
    }

    public var kind: Kind
    /// The offending value, as given (a setting's value, an interface name, a system call).
    public var value: String
    public var message: String
    /// The errno of a failed system call, 0 otherwise.
    public var code: Int32

    public init(kind: Kind, value: String, message: String, code: Int32 = 0) {
        self.kind = kind
        self.value = value
        self.message = message
        self.code = code
    }

    public var description: String { message }

    static func socketFailed(call: String, code: Int32) -> PassiveListenerError {
        PassiveListenerError(
            kind: code == EPERM || code == EACCES ? .permissionDenied : .socketFailed, value: call,
            message: "passive listener: \(call) failed: \(LinuxABI.describe(code))"
                + (code == EPERM || code == EACCES ? " (a packet socket needs root or CAP_NET_RAW)" : ""),
            code: code)
    }
}
