import NetworkAddresses
import Presence
import Yams

/// Typed readers. Each error names the value and what would be right.
extension ConfigNode {
    /// Any single value as text; `allowEmpty` false refuses "" and blanks.
    func string(expected: String, allowEmpty: Bool = false) throws(ConfigError) -> String {
        let text = try scalarText(expected: expected)
        if !allowEmpty, text.allSatisfy(\.isWhitespace) {
            throw error(is: "empty", expected: expected)
        }
        return text
    }

    func bool() throws(ConfigError) -> Bool {
        let expected = "true or false"
        let text = try scalarText(expected: expected)
        if tagName == .bool, let value = node.bool {
            return value
        }
        switch text.lowercased() {
        case "true", "yes", "on": return true
        case "false", "no", "off": return false
        default: throw error(is: "not true or false", expected: expected)
        }
    }

    /// A whole number in `range`; quoted digits are accepted too (environment variables are text).
    func integer(in range: ClosedRange<Int>, what: String) throws(ConfigError) -> Int {
        let expected = "a whole number from \(range.lowerBound) to \(range.upperBound)"
        let text = try scalarText(expected: expected)
        let value: Int?
        if tagName == .int, let number = node.int {
            value = number
        } else if tagName == .str || tagName == .int {
            value = Int(ConfigText.trimmed(text))
        } else {
            value = nil
        }
        guard let value, range.contains(value) else {
            throw error(is: "not \(what)", expected: expected)
        }
        return value
    }

    /// A duration: a number in `unit`, a text with units (`90s`, `3m`, `1h30m`), a clock `H:MM:SS`
    /// (quoted or not; a two-part `3:00` is refused as ambiguous), or Home Assistant's mapping form
    /// (`{minutes: 3}`). Rounded to milliseconds.
    ///
    /// Anything from one second up is accepted, so tests can run with short intervals; `allowZero`
    /// admits exactly zero (`home_interval: 0` = off).
    func duration(unit: ConfigDurationUnit, allowZero: Bool = false) throws(ConfigError) -> Duration {
        let expected =
            allowZero
            ? "0 (off) or a number of \(unit.plural) worth at least 1 second, such as \(unit.example) (units like 30s, 5m, 1h also work)"
            : "a number of \(unit.plural) of at least 1 second, such as \(unit.example) (units like 30s, 5m, 1h also work)"
        try checkTag()
        let seconds: Double?
        switch node {
        case .scalar(let scalar) where scalar.string.contains(":"):
            // One rule for clocks, quoted or not (YAML 1.1 alone would read a plain 3:00 as 180).
            guard scalar.string.split(separator: ":", omittingEmptySubsequences: false).count != 2 else {
                throw error(
                    is: "ambiguous (Home Assistant reads 3:00 as three minutes but \"3:00\" as three hours)",
                    expected: "hours, minutes and seconds such as 0:03:00, or units such as 3m or 3h"
                )
            }
            seconds = ConfigDurationText.seconds(in: scalar.string, defaultUnit: unit.seconds)
        case .mapping:
            seconds = try homeAssistantPeriod(expected: expected)
        case .scalar(let scalar):
            if tagName == .int || tagName == .float, let number = node.int.map(Double.init) ?? node.float {
                seconds = number * unit.seconds
            } else if tagName == .str {
                seconds = ConfigDurationText.seconds(in: scalar.string, defaultUnit: unit.seconds)
            } else {
                seconds = nil
            }
        default:
            seconds = nil
        }
        guard let seconds, seconds.isFinite else {
            throw error(is: "not a duration", expected: expected)
        }
        if seconds < 0 {
            throw error(is: "negative", expected: expected)
        }
        let milliseconds = (seconds * 1000).rounded()
        if milliseconds == 0, allowZero {
            return .zero
        }
        if milliseconds < 1000 {
            throw error(is: seconds == 0 ? "zero" : "shorter than 1 second", expected: expected)
        }
        guard milliseconds < Double(Int64.max) / 2 else {
            throw error(is: "too long", expected: expected)
        }
        return .milliseconds(Int64(milliseconds))
    }

    /// Home Assistant's `cv.time_period_dict`: `{days, hours, minutes, seconds, milliseconds}`.
    private func homeAssistantPeriod(expected: String) throws(ConfigError) -> Double {
        let factors: [(String, Double)] = [("days", 86_400), ("hours", 3_600), ("minutes", 60), ("seconds", 1), ("milliseconds", 0.001)]
        let fields = try mapping(accepting: factors.map(\.0))
        var total = 0.0
        for (key, factor) in factors {
            guard let value = fields[key] else { continue }
            guard case .scalar = value.node, value.tagName == .int || value.tagName == .float,
                let number = value.node.int.map(Double.init) ?? value.node.float, number.isFinite
            else {
                throw value.error(is: "not a number", expected: "a number of \(key)")
            }
            total += number * factor
        }
        return total
    }

    /// A topic the bridge publishes to or subscribes to exactly: no wildcards, no empty levels.
    func topic(example: String) throws(ConfigError) -> String {
        let expected = "a topic such as \(example): levels separated by single slashes, without +, #, a leading $ or a leading or trailing slash"
        let text = try string(expected: expected)
        if text.contains("+") {
            throw error(predicate: "contains the wildcard +", expected: expected)
        }
        if text.contains("#") {
            throw error(predicate: "contains the wildcard #", expected: expected)
        }
        if text.split(separator: "/", omittingEmptySubsequences: false).contains(where: \.isEmpty) {
            throw error(predicate: "has an empty level", expected: expected)
        }
        if text.hasPrefix("$") {
            throw error(predicate: "starts with $ (reserved for the broker)", expected: expected)
        }
        if text.unicodeScalars.contains(where: { $0.value == 0 }) || text.utf8.count > 65_535 {
            throw error(is: "not a valid MQTT topic", expected: expected)
        }
        return text
    }

    /// A MAC in any common notation, returned in lower-case colon form.
    func mac() throws(ConfigError) -> String {
        let expected = "six hex bytes such as aa:bb:cc:dd:ee:ff (AA-BB-CC-DD-EE-FF, aabb.ccdd.eeff and aabbccddeeff also work)"
        let text = try scalarText(expected: expected)
        guard let normalized = MACAddress.normalized(ConfigText.trimmed(text)) else {
            throw error(is: "not a MAC address", expected: expected)
        }
        return normalized
    }

    /// A string, or a list of strings; each string may hold several items separated by commas or
    /// spaces (`"192.168.1.0/24,10.0.0.5"`, as Home Assistant users write).
    func splitList(expected: String) throws(ConfigError) -> [String] {
        var items: [String] = []
        for element in try elements() {
            let text = try element.string(expected: expected, allowEmpty: true)
            let parts = text.split { $0 == "," || $0.isWhitespace }.map(String.init)
            if parts.isEmpty {
                throw element.error(is: "empty", expected: expected)
            }
            items += parts
        }
        return items
    }

    /// MACs from a list, or from a string holding several separated by commas or spaces; each once.
    func macList() throws(ConfigError) -> [String] {
        var macs: [String] = []
        for element in try elements() {
            let text = try element.string(expected: "MAC addresses such as aa:bb:cc:dd:ee:ff")
            for part in text.split(whereSeparator: { $0 == "," || $0.isWhitespace }) {
                let node = ConfigNode.made(String(part), path: element.path)
                let mac: String
                do { mac = try node.mac() } catch { throw error.at(line: element.line) }
                if !macs.contains(mac) { macs.append(mac) }
            }
        }
        return macs
    }
}
