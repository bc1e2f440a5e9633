/// Why the bridge cannot start or go on. Says what was wrong and what would be right.
public struct BridgeError: Error, Sendable, CustomStringConvertible {
    public let message: String

    public init(_ message: String) {
        self.message = message
    }

    public var description: String { message }
}
