/// A note or an error about one place in a file: the line when known, what was found there and
/// what would be right.
public struct ImportIssue: Sendable, Equatable, CustomStringConvertible {
    /// The line in the file the issue is about; nil when it concerns the whole file.
    public var line: Int?
    /// What was found and, for an error, what would be right: `printer.mac: "zz" is not a MAC address; ...`.
    public var message: String

    public init(line: Int?, message: String) {
        self.line = line
        self.message = message
    }

    /// `known_devices.yaml:7: printer.mac: ...`, the way compilers name a place, so editors can jump to it.
    /// Keys and values come from the file: control characters are escaped so no issue splits a line.
    public func located(in file: String) -> String {
        let place = line.map { "\(file):\($0)" } ?? file
        return "\(place.logSafe): \(message.logSafe)"
    }

    public var description: String {
        line.map { "line \($0): \(message.logSafe)" } ?? message.logSafe
    }
}
