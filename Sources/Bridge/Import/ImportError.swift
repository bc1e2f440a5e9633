/// Why `nmap2mqtt import` stopped, and which of its files was at fault (the kind tells the command
/// its exit status). Nothing has been written when this is thrown.
public struct ImportError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// known_devices.yaml is not YAML, not a mapping of devices, or a device in it is wrong.
        case badKnownDevices
        /// A file cannot be read (missing, a directory, no permission).
        case unreadable
        /// The configuration to merge into does not pass the configuration check as it is.
        case invalidConfig
        /// The configuration's `devices:` is written in a form a text edit cannot extend safely
        /// (a flow list, an anchor or tag, a flow mapping at the top level).
        case cannotEditConfig
        /// The edited configuration would not read back to the same settings plus the new devices.
        case wouldBreakConfig
        /// The edited configuration could not be written; the old file is untouched.
        case cannotWrite
    }

    public var kind: Kind
    /// At least one; several when a file holds several mistakes.
    public var issues: [ImportIssue]

    public init(_ kind: Kind, _ issues: [ImportIssue]) {
        self.kind = kind
        self.issues = issues
    }

    public init(_ kind: Kind, line: Int? = nil, _ message: String) {
        self.init(kind, [ImportIssue(line: line, message: message)])
    }

    public var description: String {
        issues.map(\.description).joined(separator: "\n")
    }
}
