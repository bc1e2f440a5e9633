/// Durations written as text: a bare number, `1h30m`, `90s`, `2.5 min`, or a clock, `H:MM:SS`.
enum ConfigDurationText {
    /// Seconds, or nil when `text` is no duration.
    static func seconds(in text: String, defaultUnit: Double) -> Double? {
        let text = ConfigText.trimmed(text).lowercased()
        guard !text.isEmpty else { return nil }
        if let number = Double(text) {
            return number * defaultUnit
        }
        if text.contains(":") {
            return clock(text)
        }
        return withUnits(text)
    }

    /// `H:MM:SS`, as Home Assistant's `cv.time_period_str` reads it (two parts are refused before).
    private static func clock(_ text: String) -> Double? {
        var negative = false
        var body = Substring(text)
        if body.hasPrefix("-") {
            negative = true
            body = body.dropFirst()
        }
        let parts = body.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 3 else { return nil }
        var total = 0.0
        for (index, part) in parts.enumerated() {
            guard let value = Double(part), value >= 0 else { return nil }
            total += value * [3_600.0, 60, 1][index]
        }
        return negative ? -total : total
    }

    /// `1h30m`, `90s`, `2.5 min`, `-5s`.
    private static func withUnits(_ text: String) -> Double? {
        let factors: [String: Double] = [
            "ms": 0.001, "s": 1, "sec": 1, "secs": 1, "second": 1, "seconds": 1,
            "m": 60, "min": 60, "mins": 60, "minute": 60, "minutes": 60,
            "h": 3_600, "hr": 3_600, "hrs": 3_600, "hour": 3_600, "hours": 3_600,
            "d": 86_400, "day": 86_400, "days": 86_400,
        ]
        var rest = Substring(text)
        var sign = 1.0
        if rest.hasPrefix("-") {
            sign = -1
            rest = rest.dropFirst()
        }
        var total = 0.0
        var sawPart = false
        while !rest.isEmpty {
            rest = rest.drop(while: \.isWhitespace)
            let number = rest.prefix { $0.isNumber || $0 == "." }
            guard !number.isEmpty, let value = Double(number) else { return nil }
            rest = rest.dropFirst(number.count).drop(while: \.isWhitespace)
            let unit = rest.prefix(while: \.isLetter)
            guard let factor = factors[String(unit)] else { return nil }
            rest = rest.dropFirst(unit.count).drop(while: { $0.isWhitespace || $0 == "," })
            total += value * factor
            sawPart = true
        }
        return sawPart ? sign * total : nil
    }
}
