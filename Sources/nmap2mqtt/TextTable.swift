import Bridge
import Foundation

/// Plain aligned columns for terminal output.
enum TextTable {
    /// Cells (not the header) are shown with control characters escaped: host names come from the
    /// network, and an escape sequence in one must not drive the terminal.
    ///
    /// Rows of printable ASCII (nearly all of them: addresses, MACs, nmap's vendors) are laid out as
    /// bytes; any other row goes through `logSafe`, Foundation's `padding(toLength:)` and
    /// `trimmingCharacters(in:)` as before, so its output is unchanged to the byte. Foundation's padding
    /// cost 60 % of `scan --xml` on a /16 sweep (6,554 rows).
    static func render(header: [String], rows: [[String]]) -> String {
        let all = [header] + rows
        var widths = [Int](repeating: 0, count: header.count)
        var plain = [Bool](repeating: true, count: all.count)
        for (index, row) in all.enumerated() {
            for column in widths.indices {
                let cell = row[column]
                let width: Int
                if isPrintableASCII(cell) {
                    width = cell.utf8.count
                } else {
                    plain[index] = false
                    width = (index == 0 ? cell : cell.logSafe).count
                }
                widths[column] = max(widths[column], width)
            }
        }
        var out: [UInt8] = []
        out.reserveCapacity(all.count * (widths.reduce(0, +) + 2 * widths.count))
        for (index, row) in all.enumerated() {
            if index > 0 { out.append(UInt8(ascii: "\n")) }
            if plain[index] {
                appendASCII(row, widths: widths, to: &out)
            } else {
                out.append(contentsOf: foundationLine(index == 0 ? row : row.map(\.logSafe), widths: widths).utf8)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Bytes 0x20...0x7E: no control character for `logSafe` to escape, one Character and one UTF-16
    /// unit each, and no whitespace but the space.
    private static func isPrintableASCII(_ cell: String) -> Bool {
        var cell = cell
        return cell.withUTF8 { bytes in bytes.allSatisfy { $0 >= 0x20 && $0 < 0x7F } }
    }

    /// What `foundationLine` makes of a printable ASCII row: cells padded with spaces (never cut, as
    /// every width is at least the cell's count), two spaces apart, spaces trimmed from both ends.
    private static func appendASCII(_ row: [String], widths: [Int], to out: inout [UInt8]) {
        let lineStart = out.count
        for (column, cell) in row.enumerated() {
            if column > 0 { out.append(contentsOf: [0x20, 0x20]) }
            var cell = cell
            let count = cell.withUTF8 { bytes in
                out.append(contentsOf: bytes)
                return bytes.count
            }
            if column < row.count - 1 && count < widths[column] {
                out.append(contentsOf: repeatElement(0x20, count: widths[column] - count))
            }
        }
        var end = out.count
        while end > lineStart && out[end - 1] == 0x20 { end -= 1 }
        out.removeLast(out.count - end)
        var start = lineStart
        while start < out.count && out[start] == 0x20 { start += 1 }
        if start > lineStart { out.removeSubrange(lineStart..<start) }
    }

    /// The original layout: Foundation pads to a count of UTF-16 units, which cuts or misaligns cells
    /// whose Characters are not one unit each; kept as it was so no output changes.
    private static func foundationLine(_ row: [String], widths: [Int]) -> String {
        row.enumerated().map { column, cell in
            column == row.count - 1 ? cell : cell.padding(toLength: widths[column], withPad: " ", startingAt: 0)
        }.joined(separator: "  ").trimmingCharacters(in: .whitespaces)
    }
}
