import Foundation

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
        // Key names come from the file: a quoted key may hold a newline, which must not split the line.
        var text = keyPath.isEmpty ? message.logSafe : "\(keyPath.logSafe): \(message.logSafe)"
        if let line {
            text += " (line \(line))"
        }
        return text
    }
}

extension ConfigError {
    /// The error with any text that stands after `password:` in `yaml` masked. A file broken badly
    /// enough (a quote left open, a line joined to the next) can carry the password into another
    /// key's value, which an error would otherwise quote.
    func redacting(passwordsIn yaml: String) -> ConfigError {
        var redacted = self
        for line in yaml.split(whereSeparator: \.isNewline) {
            guard let range = line.range(of: "password:") else { continue }
            var value = line[range.upperBound...].trimmingCharacters(in: .whitespaces)
            if let comment = value.range(of: " #") { value = String(value[..<comment.lowerBound]) }
            value = value.trimmingCharacters(in: CharacterSet(charactersIn: "\"' "))
            guard value.count >= 3, value != "null" else { continue }
            redacted.message = redacted.message.replacingOccurrences(of: value, with: "********")
            redacted.keyPath = redacted.keyPath.replacingOccurrences(of: value, with: "********")
        }
        return redacted
    }
}

extension ConfigError {
    func at(line: Int?) -> ConfigError {
        var copy = self
        copy.line = line
        return copy
    }
}
