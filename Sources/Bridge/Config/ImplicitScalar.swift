import Yams

/// YAML's implicit typing of plain scalars (`5` is an int, `true` a bool, `~` null), the rules of
/// Yams' default resolver, written without regular expressions.
///
/// Why not `Resolver.default`: its rules are `NSRegularExpression`s, which run on ICU; reading one
/// configuration file that way kept about 5 MB of ICU pages resident in the daemon for its whole
/// life (peak resident memory of `check-config` 22 → 27 MB). The configuration is composed with
/// `Resolver.basic` and typed here instead; a test checks these rules against Yams' own.
enum ImplicitScalar {
    static func type(of text: String) -> Tag.Name {
        if isNull(text) { return .null }
        if isBool(text) { return .bool }
        if isInt(text) { return .int }
        if isFloat(text) { return .float }
        if text == "<<" { return .merge }
        if text == "=" { return .value }
        if isTimestamp(text) { return .timestamp }
        return .str
    }

    private static func isNull(_ text: String) -> Bool {
        ["", "~", "null", "Null", "NULL"].contains(text)
    }

    private static func isBool(_ text: String) -> Bool {
        [
            "yes", "Yes", "YES", "no", "No", "NO", "true", "True", "TRUE", "false", "False", "FALSE",
            "on", "On", "ON", "off", "Off", "OFF",
        ].contains(text)
    }

    private static func all(_ text: Substring, _ allowed: (Character) -> Bool) -> Bool {
        !text.isEmpty && text.allSatisfy(allowed)
    }

    private static func isDigit(_ c: Character) -> Bool { c >= "0" && c <= "9" }
    private static func unsigned(_ text: String) -> Substring {
        text.first == "-" || text.first == "+" ? text.dropFirst() : Substring(text)
    }

    /// `[0-5]?[0-9]`
    private static func isSexagesimalPart(_ part: Substring) -> Bool {
        switch part.count {
        case 1: return isDigit(part.first!)
        case 2: return part.first! >= "0" && part.first! <= "5" && isDigit(part.last!)
        default: return false
        }
    }

    private static func isInt(_ text: String) -> Bool {
        let body = unsigned(text)
        if body.hasPrefix("0b") { return all(body.dropFirst(2)) { $0 == "0" || $0 == "1" || $0 == "_" } }
        if body.hasPrefix("0x") { return all(body.dropFirst(2)) { $0.isHexDigit && $0.isASCII || $0 == "_" } }
        if body.hasPrefix("0o") { return all(body.dropFirst(2)) { ($0 >= "0" && $0 <= "7") || $0 == "_" } }
        if body == "0" { return true }
        if body.hasPrefix("0") { return all(body.dropFirst()) { ($0 >= "0" && $0 <= "7") || $0 == "_" } }
        let parts = body.split(separator: ":", omittingEmptySubsequences: false)
        guard let head = parts.first, let first = head.first, first >= "1", first <= "9",
            all(head, { isDigit($0) || $0 == "_" })
        else { return false }
        return parts.dropFirst().allSatisfy(isSexagesimalPart)
    }

    private static func isFloat(_ text: String) -> Bool {
        if [".nan", ".NaN", ".NAN"].contains(text) { return true }
        let body = unsigned(text)
        if [".inf", ".Inf", ".INF"].contains(String(body)) { return true }
        // \.[0-9_]+([eE][-+][0-9]+)?  (no sign allowed by the rule)
        if text.first == ".", text.count > 1 {
            return isPointForm(Substring(text.dropFirst()))
        }
        // [0-9][0-9_]*(:[0-5]?[0-9])+\.[0-9_]*
        if body.contains(":") {
            guard let dot = body.lastIndex(of: ".") else { return false }
            let parts = body[..<dot].split(separator: ":", omittingEmptySubsequences: false)
            guard parts.count >= 2, let head = parts.first, let first = head.first, isDigit(first),
                all(head, { isDigit($0) || $0 == "_" }), parts.dropFirst().allSatisfy(isSexagesimalPart)
            else { return false }
            return body[body.index(after: dot)...].allSatisfy { isDigit($0) || $0 == "_" }
        }
        // [0-9][0-9_]*(\.[0-9_]*)?([eE][-+]?[0-9]+)?
        guard let first = body.first, isDigit(first) else { return false }
        var rest = body[...]
        let mantissaEnd = rest.firstIndex { $0 == "e" || $0 == "E" } ?? rest.endIndex
        let mantissa = rest[..<mantissaEnd]
        let pieces = mantissa.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        guard all(pieces[0], { isDigit($0) || $0 == "_" }) else { return false }
        if pieces.count == 2, !pieces[1].allSatisfy({ isDigit($0) || $0 == "_" }) { return false }
        rest = rest[mantissaEnd...]
        if rest.isEmpty { return true }
        var exponent = rest.dropFirst()
        if exponent.first == "-" || exponent.first == "+" { exponent = exponent.dropFirst() }
        return all(exponent, isDigit)
    }

    /// `[0-9_]+([eE][-+][0-9]+)?` after a leading dot.
    private static func isPointForm(_ text: Substring) -> Bool {
        let end = text.firstIndex { $0 == "e" || $0 == "E" } ?? text.endIndex
        guard all(text[..<end], { isDigit($0) || $0 == "_" }) else { return false }
        if end == text.endIndex { return true }
        let exponent = text[text.index(after: end)...]
        guard let sign = exponent.first, sign == "-" || sign == "+" else { return false }
        return all(exponent.dropFirst(), isDigit)
    }

    /// `YYYY-MM-DD`, or a date and time in YAML's timestamp forms.
    private static func isTimestamp(_ text: String) -> Bool {
        let characters = Array(text)
        func digits(_ range: Range<Int>) -> Bool { range.upperBound <= characters.count && characters[range].allSatisfy(isDigit) }
        if characters.count == 10 {
            return digits(0..<4) && characters[4] == "-" && digits(5..<7) && characters[7] == "-" && digits(8..<10)
        }
        // YYYY-M[M]-D[D](T|t|blanks)H[H]:MM:SS(.fraction)?(blanks?(Z|±H[H](:MM)?))?
        guard digits(0..<4), characters.count > 5, characters[4] == "-" else { return false }
        var index = 5
        func number(_ minimum: Int, _ maximum: Int) -> Bool {
            var count = 0
            while index < characters.count, isDigit(characters[index]), count < maximum {
                index += 1
                count += 1
            }
            return count >= minimum
        }
        func expect(_ c: Character) -> Bool {
            guard index < characters.count, characters[index] == c else { return false }
            index += 1
            return true
        }
        guard number(1, 2), expect("-"), number(1, 2) else { return false }
        guard index < characters.count else { return false }
        if characters[index] == "T" || characters[index] == "t" {
            index += 1
        } else {
            let start = index
            while index < characters.count, characters[index] == " " || characters[index] == "\t" { index += 1 }
            guard index > start else { return false }
        }
        guard number(1, 2), expect(":"), number(2, 2), expect(":"), number(2, 2) else { return false }
        if index < characters.count, characters[index] == "." {
            index += 1
            while index < characters.count, isDigit(characters[index]) { index += 1 }
        }
        while index < characters.count, characters[index] == " " || characters[index] == "\t" { index += 1 }
        if index == characters.count { return true }
        if characters[index] == "Z" { return index + 1 == characters.count }
        guard characters[index] == "-" || characters[index] == "+" else { return false }
        index += 1
        guard number(1, 2) else { return false }
        if index < characters.count {
            guard expect(":"), number(2, 2) else { return false }
        }
        return index == characters.count
    }
}
