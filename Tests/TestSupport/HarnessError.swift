/// A test harness step that failed (a broker that would not start, a wait that timed out), with
/// what was expected and what happened, so that a failing test explains itself.
public struct HarnessError: Error, Sendable, CustomStringConvertible {
    public let message: String

    public init(_ message: String) {
        self.message = message
    }

    public var description: String { message }
}
