import Yams

/// A configuration file as lines, for inserting whole lines with the file's own line ending (`\n` or
/// `\r\n`) and finding where its `devices:` list ends. Used by `ConfigDevicesMerge`.
struct ConfigTextLines {
    /// Each line without its `\n`; a `\r` before it stays part of the line. The last element is what
    /// follows the final `\n` (empty when the file ends with one).
    var lines: [String]
    let lineEnding: String

    init(_ text: String) {
        lines = text.utf8.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
            .map { String(decoding: $0, as: UTF8.self) }
        lineEnding = text.utf8.count > 0 && lines.dropLast().contains { $0.hasSuffix("\r") } ? "\r" : ""
    }

    var text: String { lines.joined(separator: "\n") }

    /// The line without a `\r` at its end.
    func content(_ index: Int) -> Substring {
        let line = lines[index]
        return line.hasSuffix("\r") ? line.dropLast() : Substring(line)
    }

    func indentation(_ index: Int) -> Int {
        content(index).prefix { $0 == " " }.count
    }

    func isBlank(_ index: Int) -> Bool {
        content(index).allSatisfy { $0 == " " || $0 == "\t" }
    }

    func isComment(_ index: Int) -> Bool {
        content(index).drop { $0 == " " || $0 == "\t" }.hasPrefix("#")
    }

    /// The character at a node's position (Yams' 1-based line and column, in Unicode scalars).
    func scalar(at mark: Mark?) -> Unicode.Scalar? {
        guard let mark, mark.line >= 1, mark.line <= lines.count else { return nil }
        let scalars = content(mark.line - 1).unicodeScalars
        guard mark.column >= 1, let index = scalars.index(scalars.startIndex, offsetBy: mark.column - 1, limitedBy: scalars.endIndex),
            index < scalars.endIndex
        else { return nil }
        return scalars[index]
    }

    mutating func insert(_ new: [String], after index: Int) {
        lines.insert(contentsOf: new.map { $0 + lineEnding }, at: index + 1)
    }

    /// No `devices:` yet: a new list at the end of the file, after a blank line.
    mutating func appendList(_ entries: [DeviceEntry], comment: String) {
        var end = lines.count - 1
        if lines[end].isEmpty, end > 0 {
            end -= 1
        } else {
            // The file does not end with a line break: give its last line one.
            lines.append("")
            lines[end] += lineEnding
        }
        var new = isBlank(end) ? [] : [""]
        new.append("devices:")
        new += Self.items(entries, dashColumn: 2, keyOffset: 2, comment: comment)
        insert(new, after: end)
    }

    /// `devices:` exists: clear an empty value on its line, or find the end of its block list, and
    /// insert the entries there.
    mutating func extendList(key: Node, value: Node, with entries: [DeviceEntry], comment: String) throws(ImportError) {
        guard let keyMark = key.mark else {
            throw cannotEdit(nil, "has no position in the file")
        }
        let keyIndex = keyMark.line - 1
        guard keyIndex >= 0, keyIndex < lines.count, let split = valueAfterKey(keyIndex, column: keyMark.column) else {
            throw cannotEdit(keyMark.line, "is not written as devices: at the start of its line")
        }
        switch value {
        case .scalar where ConfigNode(node: value, path: "devices").isNull,
            .sequence(_) where value.sequence?.count == 0:
            let emptyValues = ["", "~", "null", "Null", "NULL"]
            let flatValue = split.value.filter { $0 != " " && $0 != "\t" }
            guard emptyValues.contains(split.value) || flatValue == "[]" else {
                throw cannotEdit(
                    keyMark.line,
                    "has \(ConfigText.quoted(split.value)) after devices:; expected [] or nothing there (a list in flow style, an anchor or a tag cannot be extended line by line)"
                )
            }
            // Blank out the value, so a comment after it stays in its column.
            var line = split.head + String(repeating: " ", count: split.value.count) + split.tail
            if split.tail.isEmpty {
                while line.hasSuffix(" ") || line.hasSuffix("\t") { line.removeLast() }
            }
            lines[keyIndex] = line + (lines[keyIndex].hasSuffix("\r") ? "\r" : "")
            let dashColumn = indentation(keyIndex) + 2
            insert(Self.items(entries, dashColumn: dashColumn, keyOffset: 2, comment: comment), after: keyIndex)
        case .sequence(let sequence):
            guard scalar(at: sequence.mark) != "[", split.value.isEmpty else {
                throw cannotEdit(
                    keyMark.line,
                    "devices: is a list in flow style ([...]); expected a block list (- mac: ... on lines of their own) for the import to add to")
            }
            guard let first = (keyIndex + 1..<lines.count).first(where: { !isBlank($0) && !isComment($0) }),
                let firstItem = Self.dashItem(content(first))
            else {
                throw cannotEdit(
                    keyMark.line,
                    "the devices: list does not start on the next line with -; expected a block list such as config.sample.yaml's example")
            }
            let dashColumn = indentation(first)
            var last = first
            for index in first + 1..<lines.count where !isBlank(index) {
                let indent = indentation(index)
                if indent > dashColumn {
                    last = index
                } else if isComment(index) {
                    continue
                } else if indent == dashColumn, Self.dashItem(content(index)) != nil {
                    last = index
                } else {
                    break
                }
            }
            insert(Self.items(entries, dashColumn: dashColumn, keyOffset: firstItem, comment: comment), after: last)
        default:
            throw cannotEdit(keyMark.line, "devices: is neither a list nor empty")
        }
    }

    /// The key line split around its value: everything up to the colon, the value, then the spaces
    /// and comment that follow it. Nil unless the key is `devices` (plain or quoted) at `column`.
    private func valueAfterKey(_ index: Int, column: Int) -> (head: String, value: String, tail: String)? {
        let scalars = Array(content(index).unicodeScalars)
        var position = column - 1
        guard position >= 0, position <= scalars.count, scalars[..<position].allSatisfy({ $0 == " " }) else { return nil }
        let rest = String(String.UnicodeScalarView(scalars[position...]))
        guard let keyText = ["devices", "\"devices\"", "'devices'"].first(where: rest.hasPrefix) else { return nil }
        position += keyText.unicodeScalars.count
        while position < scalars.count, scalars[position] == " " { position += 1 }
        guard position < scalars.count, scalars[position] == ":" else { return nil }
        position += 1
        let head = String(String.UnicodeScalarView(scalars[..<position]))
        var valueStart = position
        while valueStart < scalars.count, scalars[valueStart] == " " || scalars[valueStart] == "\t" { valueStart += 1 }
        var commentStart = valueStart
        while commentStart < scalars.count {
            if scalars[commentStart] == "#", commentStart == valueStart || scalars[commentStart - 1] == " " || scalars[commentStart - 1] == "\t" {
                break
            }
            commentStart += 1
        }
        var valueEnd = commentStart
        while valueEnd > valueStart, scalars[valueEnd - 1] == " " || scalars[valueEnd - 1] == "\t" { valueEnd -= 1 }
        return (
            head + String(String.UnicodeScalarView(scalars[position..<valueStart])),
            String(String.UnicodeScalarView(scalars[valueStart..<valueEnd])),
            String(String.UnicodeScalarView(scalars[valueEnd...]))
        )
    }

    /// For a line that starts a list item (`  - mac: ...`, `  -`), how far its first key stands from the
    /// dash (2 for `- mac:`, and when the item's keys start on the next line); nil for any other line.
    private static func dashItem(_ line: Substring) -> Int? {
        let body = line.drop { $0 == " " }
        guard body.hasPrefix("-") else { return nil }
        let after = body.dropFirst()
        if after.isEmpty { return 2 }
        guard after.first == " " || after.first == "\t" else { return nil }
        let spaces = after.prefix { $0 == " " }.count
        let key = after.dropFirst(spaces)
        if key.isEmpty || key.hasPrefix("#") || spaces == 0 { return 2 } // `-` alone, or a tab after it
        return spaces + 1
    }

    private static func items(_ entries: [DeviceEntry], dashColumn: Int, keyOffset: Int, comment: String) -> [String] {
        var lines = [String(repeating: " ", count: dashColumn) + DeviceListText.comment(comment)]
        for entry in entries {
            lines += DeviceListText.itemLines(entry, dashColumn: dashColumn, keyOffset: keyOffset)
        }
        return lines
    }

    private func cannotEdit(_ line: Int?, _ message: String) -> ImportError {
        ImportError(
            .cannotEditConfig, line: line,
            "\(message); nothing was written: paste the list that nmap2mqtt import prints without --into under devices: by hand")
    }
}
