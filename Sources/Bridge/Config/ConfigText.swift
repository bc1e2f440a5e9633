/// Text helpers for configuration messages.
enum ConfigText {
    /// A value in double quotes with control characters escaped, as YAML writes it: used in error
    /// messages and in `check-config`'s listing (which must parse back).
    static func quoted(_ text: String) -> String {
        var escaped = ""
        for character in text.unicodeScalars {
            switch character {
            case "\"": escaped += "\\\""
            case "\\": escaped += "\\\\"
            case "\n": escaped += "\\n"
            case "\t": escaped += "\\t"
            case "\r": escaped += "\\r"
            default:
                if character.value < 0x20 || character.value == 0x7F {
                    let hex = String(character.value, radix: 16)
                    escaped += "\\x" + (hex.count == 1 ? "0" + hex : hex)
                } else {
                    escaped.unicodeScalars.append(character)
                }
            }
        }
        return "\"\(escaped)\""
    }

    /// `text` without leading and trailing whitespace.
    static func trimmed(_ text: String) -> String {
        String(text.drop(while: \.isWhitespace).reversed().drop(while: \.isWhitespace).reversed())
    }
}
