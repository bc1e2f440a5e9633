/// "Did you mean" for unknown keys: a misspelt key must not silently fall back to its default.
enum KeySuggestion {
    /// `unknown key "hostz"; did you mean "hosts"? scan accepts: hosts, exclude, ...`
    static func unknownKeyMessage(_ key: String, in section: String, accepted: [String], hints: [String: String]) -> String {
        let place = section.isEmpty ? "the top level" : section
        var message = "unknown key \(ConfigText.quoted(key))"
        if let hint = hints[key] {
            message += "; \(hint)"
        } else if let best = suggestion(for: key, among: accepted) {
            message += "; did you mean \(ConfigText.quoted(best))?"
        }
        message += " (\(place) accepts: \(accepted.joined(separator: ", ")))"
        return message
    }

    /// The accepted key closest to `key`, if it is close enough to be a plausible typo.
    static func suggestion(for key: String, among accepted: [String]) -> String? {
        let folded = fold(key)
        if let exact = accepted.first(where: { fold($0) == folded }) {
            return exact
        }
        let scored = accepted.map { (candidate: $0, distance: distance(folded, fold($0))) }
        guard let best = scored.min(by: { $0.distance < $1.distance }) else {
            return nil
        }
        let limit = max(2, min(folded.count, best.candidate.count) / 3)
        if best.distance <= limit {
            return best.candidate
        }
        // `interval` for `interval_seconds`, `prefix` for `discovery_prefix`.
        if folded.count >= 4, let containing = accepted.first(where: { fold($0).contains(folded) || folded.contains(fold($0)) }) {
            return containing
        }
        return nil
    }

    /// Case and `-`/`_` differences are the commonest slips (`base-topic`, `Base_Topic`).
    private static func fold(_ key: String) -> String {
        String(key.lowercased().map { $0 == "-" ? "_" : $0 })
    }

    /// Optimal string alignment distance: insertions, deletions, substitutions and adjacent swaps.
    static func distance(_ a: String, _ b: String) -> Int {
        let a = Array(a)
        let b = Array(b)
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var table = [[Int]](repeating: [Int](repeating: 0, count: b.count + 1), count: a.count + 1)
        for i in 0...a.count { table[i][0] = i }
        for j in 0...b.count { table[0][j] = j }
        for i in 1...a.count {
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                var best = min(table[i - 1][j] + 1, table[i][j - 1] + 1, table[i - 1][j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                    best = min(best, table[i - 2][j - 2] + 1)
                }
                table[i][j] = best
            }
        }
        return table[a.count][b.count]
    }
}
