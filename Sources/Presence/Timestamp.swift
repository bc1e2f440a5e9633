import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// ISO 8601 spellings of dates in UTC, for the state file, payloads and reasons.
///
/// Written by hand on purpose: Foundation's `Date.ISO8601FormatStyle` goes through ICU once
/// Foundation is linked, which maps about 5 MB of ICU pages into the daemon for a fixed-format
/// UTC string (measured: 16.5 MB → 21.4 MB peak resident memory in a program that formats one date).
public enum Timestamp {
    /// Whole seconds, for text meant for people: `2026-11-26T15:00:00Z`.
    public static func text(_ date: Date) -> String {
        let (fields, _) = utc(date)
        return "\(dateText(fields))T\(pad(fields.tm_hour, 2)):\(pad(fields.tm_min, 2)):\(pad(fields.tm_sec, 2))Z"
    }

    /// Milliseconds, so a restart restores `last_seen` without rounding it by up to a second:
    /// `2026-11-26T15:00:00.250Z`.
    public static func precise(_ date: Date) -> String {
        let (fields, milliseconds) = utc(date)
        return "\(dateText(fields))T\(pad(fields.tm_hour, 2)):\(pad(fields.tm_min, 2)):\(pad(fields.tm_sec, 2)).\(pad(Int32(milliseconds), 3))Z"
    }

    /// For file names: `20261126T150000Z`.
    public static func compact(_ date: Date) -> String {
        let (fields, _) = utc(date)
        return "\(pad(fields.tm_year + 1900, 4))\(pad(fields.tm_mon + 1, 2))\(pad(fields.tm_mday, 2))T"
            + "\(pad(fields.tm_hour, 2))\(pad(fields.tm_min, 2))\(pad(fields.tm_sec, 2))Z"
    }

    /// Reads `YYYY-MM-DDTHH:MM:SS[.fraction]Z`, the spellings above; nil for anything else.
    public static func parse(_ text: String) -> Date? {
        let bytes = Array(text.utf8)
        guard bytes.count >= 20, bytes.last == UInt8(ascii: "Z") else { return nil }
        func number(_ range: Range<Int>) -> Int32? {
            var value: Int32 = 0
            for index in range {
                let byte = bytes[index]
                guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
                value = value * 10 + Int32(byte - UInt8(ascii: "0"))
            }
            return value
        }
        let separators: [(Int, Character)] = [(4, "-"), (7, "-"), (10, "T"), (13, ":"), (16, ":")]
        guard separators.allSatisfy({ bytes[$0.0] == $0.1.asciiValue }),
            let year = number(0..<4), let month = number(5..<7), let day = number(8..<10),
            let hour = number(11..<13), let minute = number(14..<16), let second = number(17..<19),
            (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 61
        else {
            return nil
        }
        var fraction = 0.0
        if bytes.count > 20 {
            guard bytes[19] == UInt8(ascii: "."), bytes.count - 21 >= 1, bytes.count - 21 <= 9,
                let digits = number(20..<bytes.count - 1)
            else { return nil }
            fraction = Double(digits) / pow(10, Double(bytes.count - 21))
        } else if bytes[19] != UInt8(ascii: "Z") {
            return nil
        }
        var fields = tm()
        fields.tm_year = year - 1900
        fields.tm_mon = month - 1
        fields.tm_mday = day
        fields.tm_hour = hour
        fields.tm_min = minute
        fields.tm_sec = second
        let seconds = timegm(&fields)
        // timegm normalises out-of-range days (February 31st): refuse what it had to move.
        guard fields.tm_mday == day, fields.tm_mon == month - 1 else { return nil }
        return Date(timeIntervalSince1970: Double(seconds) + fraction)
    }

    private static func utc(_ date: Date) -> (tm, Int) {
        let interval = date.timeIntervalSince1970
        let whole = interval.rounded(.down)
        var seconds = time_t(whole)
        var milliseconds = Int(((interval - whole) * 1000).rounded(.down))
        if milliseconds > 999 { milliseconds = 999 }
        var fields = tm()
        gmtime_r(&seconds, &fields)
        return (fields, milliseconds)
    }

    private static func dateText(_ fields: tm) -> String {
        "\(pad(fields.tm_year + 1900, 4))-\(pad(fields.tm_mon + 1, 2))-\(pad(fields.tm_mday, 2))"
    }

    private static func pad(_ value: Int32, _ width: Int) -> String {
        let digits = String(value)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }
}
