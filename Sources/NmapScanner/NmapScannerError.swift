/// A caller's mistake in the scanner's configuration: found before anything runs.
///
/// The message says what was wrong, with which value, and what would be right.
public struct NmapScannerError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Hashable {
        case noTargets
        case invalidTarget
        case invalidExclude
        case forbiddenOption
        case unbalancedQuote
        case addressFamilyMismatch
        case invalidSetting
    }

    public var kind: Kind
    /// The offending value, as given.
    public var value: String
    public var message: String

    public init(kind: Kind, value: String, message: String) {
        self.kind = kind
        self.value = value
        self.message = message
    }

    public var description: String { message }
}
