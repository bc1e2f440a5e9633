import Presence

/// `devices:` entries written as YAML that the configuration parser reads back to the same entries,
/// whatever the names hold (quotes, `#`, `: `, `yes`, digits, newlines, control characters).
public enum DeviceListText {
    /// A whole `devices:` block: each header line as a comment, then the list (`devices: []` when empty).
    public static func document(_ entries: [DeviceEntry], header: [String]) -> String {
        var lines = header.map(comment)
        if entries.isEmpty {
            lines.append("devices: []")
        } else {
            lines.append("devices:")
            for entry in entries {
                lines += itemLines(entry, dashColumn: 2, keyOffset: 2)
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// One list item: `- mac:` at `dashColumn`, its other keys `keyOffset` further in. `track` only
    /// when false, `consider_home` only when set: the rest are the defaults.
    static func itemLines(_ entry: DeviceEntry, dashColumn: Int, keyOffset: Int) -> [String] {
        let dash = String(repeating: " ", count: dashColumn)
        let key = String(repeating: " ", count: dashColumn + keyOffset)
        var lines = [dash + "-" + String(repeating: " ", count: keyOffset - 1) + "mac: " + entry.mac]
        if let name = entry.name {
            lines.append(key + "name: " + scalar(name))
        }
        if let considerHome = entry.considerHome {
            lines.append(key + "consider_home: " + seconds(considerHome))
        }
        if !entry.track {
            lines.append(key + "track: false")
        }
        return lines
    }

    /// `# text`, with line breaks and what libyaml refuses escaped, so the text cannot end the comment
    /// or make the file unreadable.
    static func comment(_ text: String) -> String {
        var out = "#"
        if !text.isEmpty { out += " " }
        for scalar in text.unicodeScalars {
            if scalar.value < 0x20 || isUnprintable(scalar) {
                out += escape(scalar)
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// Seconds, with up to three decimals (durations are kept to the millisecond).
    static func seconds(_ duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        let milliseconds = attoseconds / 1_000_000_000_000_000
        guard milliseconds != 0 else { return String(seconds) }
        var fraction = String(milliseconds)
        fraction = String(repeating: "0", count: 3 - fraction.count) + fraction
        while fraction.hasSuffix("0") { fraction.removeLast() }
        return "\(seconds).\(fraction)"
    }

    /// The text plain when that is unambiguous (`Anna's iPhone`, `Printer 2`), otherwise double-quoted.
    static func scalar(_ text: String) -> String {
        isPlainSafe(text) ? text : doubleQuoted(text)
    }

    /// Letters and digits with a few harmless marks between them, starting with a letter or digit,
    /// that YAML does not read as a number, boolean, null or date.
    static func isPlainSafe(_ text: String) -> Bool {
        let scalars = text.unicodeScalars
        guard let first = scalars.first, let last = scalars.last, isWordScalar(first), last != " " else { return false }
        let marks: Set<Unicode.Scalar> = [" ", "'", "-", "_", ".", "(", ")", "/", "+"]
        guard scalars.allSatisfy({ isWordScalar($0) || marks.contains($0) }) else { return false }
        return ImplicitScalar.type(of: text) == .str
    }

    private static func isWordScalar(_ scalar: Unicode.Scalar) -> Bool {
        if scalar.isASCII {
            return (scalar >= "a" && scalar <= "z") || (scalar >= "A" && scalar <= "Z") || (scalar >= "0" && scalar <= "9")
        }
        // Letters outside ASCII; their code points are all ones libyaml accepts as printable.
        return scalar.properties.isAlphabetic && scalar.value >= 0xA0 && !isUnprintable(scalar)
    }

    /// A double-quoted YAML scalar. Everything libyaml would refuse in a file, or read as a line break
    /// and fold (NEL, LS, PS), is written as an escape.
    static func doubleQuoted(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "\r": out += "\\r"
            case "\0": out += "\\0"
            default:
                if isUnprintable(scalar) {
                    out += escape(scalar)
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }

    /// Outside what libyaml's reader accepts (tab, line feed and carriage return are escaped before
    /// this is asked), or a line break it would fold inside quotes.
    private static func isUnprintable(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x20...0x7E: return false
        case 0xA0...0xD7FF: return scalar.value == 0x2028 || scalar.value == 0x2029
        case 0xE000...0xFFFD: return scalar.value == 0xFEFF
        case 0x10000...0x10FFFF: return false
        default: return true
        }
    }

    private static func escape(_ scalar: Unicode.Scalar) -> String {
        let hex = String(scalar.value, radix: 16, uppercase: true)
        switch scalar.value {
        case ...0xFF: return "\\x" + String(repeating: "0", count: 2 - hex.count) + hex
        case ...0xFFFF: return "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
        default: return "\\U" + String(repeating: "0", count: 8 - hex.count) + hex
        }
    }
}
