/// A configuration mistake, named by the key's full dotted path so the user can find it.
///
/// Messages say what was wrong, with which value, and what would be right. They never contain the
/// MQTT password: errors about `mqtt.password` describe its shape, not its text.
public struct ConfigError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The dotted path of the offending key (`mqtt.port`, `devices[2].mac`); empty for file-level problems.
    public var keyPath: String
    /// What was wrong and what would be right, without the key path.
    public var message: String
    /// The line in the configuration file, when known.
    public var line: Int?

    public init(keyPath: String, message: String, line: Int? = nil) {
        self.keyPath = keyPath
        self.message = message
        self.line = line
    }

    /// `mqtt.port: 70000 is not a port; expected a whole number from 1 to 65535 (line 3)`
    public var description: String {
        var text = keyPath.isEmpty ? message : "\(keyPath): \(message)"
        if let line {
            text += " (line \(line))"
        }
        return text
    }
}
