/// Escaping for everything that goes into the page. Names, host names, vendors, reasons and errors come
/// from the network or from users: each is escaped for text and attributes alike (`& < > " '`), control
/// characters become U+FFFD, bidirectional overrides are dropped (so a name cannot reverse the text after
/// it), and it is cut to `limit` characters with an ellipsis.
enum HTML {
    static func escape(_ text: String, limit: Int = 160) -> String {
        var result = ""
        result.reserveCapacity(min(text.utf8.count, limit * 2) + 8)
        var characters = 0
        var scalars = 0
        outer: for character in text {
            if characters == limit {
                result += "…"
                break
            }
            characters += 1
            for scalar in character.unicodeScalars {
                // A "character" can hold thousands of combining marks: bound those too.
                scalars += 1
                if scalars > limit * 4 {
                    result += "…"
                    break outer
                }
                append(scalar, to: &result)
            }
        }
        return result
    }

    private static func append(_ scalar: Unicode.Scalar, to result: inout String) {
        switch scalar.value {
        case 0x26: result += "&amp;"
        case 0x3C: result += "&lt;"
        case 0x3E: result += "&gt;"
        case 0x22: result += "&quot;"
        case 0x27: result += "&#39;"
        case 0x09, 0x0A, 0x0D: result += " "
        case 0x00..<0x20, 0x7F..<0xA0: result += "\u{FFFD}"
        case 0x200E, 0x200F, 0x202A...0x202E, 0x2066...0x2069: break
        case 0xFFF9...0xFFFB, 0xFEFF: break
        default: result.unicodeScalars.append(scalar)
        }
    }
}
