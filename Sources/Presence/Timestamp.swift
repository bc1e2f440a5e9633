import Foundation

/// ISO 8601 spellings of dates in the state file, payloads and reasons.
enum Timestamp {
    /// Whole seconds, for text meant for people (`2026-11-26T15:00:00Z`).
    static func text(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle())
    }

    /// Milliseconds, so a restart restores `last_seen` without rounding it by up to a second.
    static func precise(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
    }

    /// Accepts both spellings above.
    static func parse(_ text: String) -> Date? {
        if let date = try? Date.ISO8601FormatStyle(includingFractionalSeconds: true).parse(text) {
            return date
        }
        return try? Date.ISO8601FormatStyle().parse(text)
    }
}
