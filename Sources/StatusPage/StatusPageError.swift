#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// What went wrong in the status page module, with the value involved and what would be right.
public struct StatusPageError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The kind of problem, for callers that react to some of them.
    public enum Code: Sendable, Equatable {
        /// The history file exists but cannot be read (owner, mode).
        case historyUnreadable
        /// The history file was read but is not a history (truncated, hand-edited, another program's).
        case historyCorrupt
        /// The history file could not be written.
        case historyNotWritable
        /// The server could not listen where it was told to.
        case cannotListen
    }

    public let code: Code
    public let description: String

    public init(code: Code, description: String) {
        self.code = code
        self.description = description
    }

    static func system(_ code: Code, _ what: String, errno number: Int32) -> StatusPageError {
        StatusPageError(code: code, description: "\(what): \(String(cString: strerror(number))) (errno \(number))")
    }
}
