import Bridge

/// Plain aligned columns for terminal output: every cell padded to the widest of its column as a
/// terminal shows it, two spaces apart, without trailing spaces.
enum TextTable {
    /// Cells (not the header) are shown with control characters escaped: host names come from the
    /// network, and an escape sequence in one must not drive the terminal.
    ///
    /// A cell is never cut. Widths are terminal columns (``columns(of:)``): an emoji or a CJK character
    /// takes two, a combining accent none. Rows of printable ASCII, nearly all of them, cost one byte
    /// copy per cell (`scan --xml` of a /16 prints 6,554 rows).
    static func render(header: [String], rows: [[String]]) -> String {
        var all: [[String]] = []
        var cellWidths: [[Int]] = []
        all.reserveCapacity(rows.count + 1)
        cellWidths.reserveCapacity(rows.count + 1)
        var widths = [Int](repeating: 0, count: header.count)
        for (index, row) in ([header] + rows).enumerated() {
            var shown: [String] = []
            var shownWidths: [Int] = []
            for (column, cell) in row.enumerated() {
                let plain = isPrintableASCII(cell)
                let text = plain || index == 0 ? cell : cell.logSafe
                let width = plain ? cell.utf8.count : columns(of: text)
                widths[column] = max(widths[column], width)
                shown.append(text)
                shownWidths.append(width)
            }
            all.append(shown)
            cellWidths.append(shownWidths)
        }
        var out: [UInt8] = []
        out.reserveCapacity(all.count * (widths.reduce(0, +) + 2 * widths.count))
        for (index, row) in all.enumerated() {
            if index > 0 { out.append(UInt8(ascii: "\n")) }
            let lineStart = out.count
            for (column, cell) in row.enumerated() {
                if column > 0 { out.append(contentsOf: [0x20, 0x20]) }
                out.append(contentsOf: cell.utf8)
                out.append(contentsOf: repeatElement(0x20, count: widths[column] - cellWidths[index][column]))
            }
            while out.count > lineStart && out[out.count - 1] == 0x20 { out.removeLast() }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Bytes 0x20...0x7E: nothing for `logSafe` to escape, and one terminal column each.
    private static func isPrintableASCII(_ cell: String) -> Bool {
        var cell = cell
        return cell.withUTF8 { bytes in bytes.allSatisfy { $0 >= 0x20 && $0 < 0x7F } }
    }

    /// The columns a terminal gives `text`: one per character, two for an emoji shown as one (or
    /// asked to be, with U+FE0F) and for the East Asian wide and full-width ranges, none for a
    /// format character such as a zero-width space. A combining accent belongs to its character.
    static func columns(of text: String) -> Int {
        if isPrintableASCII(text) { return text.utf8.count }
        return text.reduce(0) { total, character in
            let scalars = character.unicodeScalars
            if scalars.contains(where: { $0.properties.isEmojiPresentation || $0.value == 0xFE0F || isWide($0.value) }) {
                return total + 2
            }
            if scalars.count == 1, let scalar = scalars.first, scalar.properties.generalCategory == .format {
                return total
            }
            return total + 1
        }
    }

    /// East Asian Wide and Fullwidth blocks (Unicode's EastAsianWidth.txt, W and F, by block).
    private static func isWide(_ value: UInt32) -> Bool {
        switch value {
        case 0x1100...0x115F, 0x2E80...0x303E, 0x3041...0x33FF, 0x3400...0x4DBF, 0x4E00...0x9FFF, 0xA000...0xA4CF,
            0xAC00...0xD7A3, 0xF900...0xFAFF, 0xFE30...0xFE4F, 0xFF00...0xFF60, 0xFFE0...0xFFE6, 0x20000...0x3FFFD:
            true
        default:
            false
        }
    }
}
