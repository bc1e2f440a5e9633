import Bridge
import Foundation
/// Plain aligned columns for terminal output.
enum TextTable {
    /// Cells are shown with control characters escaped: host names come from the network, and an
    /// escape sequence in one must not drive the terminal.
    static func render(header: [String], rows: [[String]]) -> String {
        let all = [header] + rows.map { $0.map(\.logSafe) }
        let widths = header.indices.map { column in all.map { $0[column].count }.max() ?? 0 }
        return all.map { row in
            row.enumerated().map { column, cell in
                column == row.count - 1 ? cell : cell.padding(toLength: widths[column], withPad: " ", startingAt: 0)
            }.joined(separator: "  ").trimmingCharacters(in: .whitespaces)
        }.joined(separator: "\n")
    }
}
