#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Times and durations as the page writes them, formatted by hand.
struct TimeText {
    let zone: DisplayZone
    let now: Date

    private static let weekdays = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
    private static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    /// "14:02".
    func clock(_ date: Date) -> String {
        let parts = zone.parts(date)
        return "\(Self.two(parts.hour)):\(Self.two(parts.minute))"
    }

    /// "14:02:05".
    func clockWithSeconds(_ date: Date) -> String {
        let parts = zone.parts(date)
        return "\(Self.two(parts.hour)):\(Self.two(parts.minute)):\(Self.two(parts.second))"
    }

    /// "14:02" today, "Tue 14:02" within the last six days, "3 Dec 14:02" before, "3 Dec 2025 14:02" in
    /// another year.
    func moment(_ date: Date) -> String {
        let parts = zone.parts(date)
        let today = zone.parts(now)
        let clock = "\(Self.two(parts.hour)):\(Self.two(parts.minute))"
        if parts.year == today.year, parts.month == today.month, parts.day == today.day { return clock }
        let age = now.timeIntervalSince(date)
        if age > 0, age < 6 * 86400 { return "\(Self.weekdays[parts.weekday]) \(clock)" }
        let day = "\(parts.day) \(Self.months[parts.month - 1])"
        return parts.year == today.year ? "\(day) \(clock)" : "\(day) \(parts.year) \(clock)"
    }

    /// The zone's abbreviation at `now` ("UTC", "CET").
    var zoneName: String { zone.parts(now).abbreviation }

    /// "12 s ago", "5 min ago", "just now"; "in 3 s" for a time ahead of `now` (a clock step).
    func ago(_ date: Date) -> String {
        let seconds = now.timeIntervalSince(date)
        if seconds < 0 { return "in \(Self.duration(-seconds))" }
        if seconds < 2 { return "just now" }
        return "\(Self.duration(seconds)) ago"
    }

    /// "45 s", "5 min", "3 h 12 min", "2 d 4 h".
    static func duration(_ seconds: Double) -> String {
        let total = Int(seconds.rounded(.down))
        if total < 60 { return "\(max(total, 0)) s" }
        let minutes = total / 60
        if minutes < 60 { return "\(minutes) min" }
        let hours = minutes / 60
        if hours < 48 { return minutes % 60 == 0 ? "\(hours) h" : "\(hours) h \(minutes % 60) min" }
        return hours % 24 == 0 ? "\(hours / 24) d" : "\(hours / 24) d \(hours % 24) h"
    }

    /// "2.41 s" or "850 ms".
    static func seconds(_ value: Double) -> String {
        if value < 1 { return "\(Int((value * 1000).rounded())) ms" }
        return "\(fixed(value, digits: 2)) s"
    }

    /// "2026-12-03T14:02:05Z", for `<time datetime>`.
    static func iso(_ date: Date) -> String {
        let parts = DisplayZone.utc.parts(date)
        return "\(parts.year)-\(two(parts.month))-\(two(parts.day))T\(two(parts.hour)):\(two(parts.minute)):\(two(parts.second))Z"
    }

    static func two(_ value: Int) -> String {
        value < 10 ? "0\(value)" : "\(value)"
    }

    /// `value` with `digits` decimals, without `String(format:)` (Foundation's, not FoundationEssentials').
    static func fixed(_ value: Double, digits: Int) -> String {
        guard value.isFinite else { return "0" }
        var scale = 1.0
        for _ in 0..<digits { scale *= 10 }
        let scaled = Int((abs(value) * scale).rounded())
        let whole = scaled / Int(scale)
        var fraction = String(scaled % Int(scale))
        while fraction.count < digits { fraction = "0" + fraction }
        let sign = value < 0 && scaled != 0 ? "-" : ""
        return digits == 0 ? "\(sign)\(whole)" : "\(sign)\(whole).\(fraction)"
    }
}
