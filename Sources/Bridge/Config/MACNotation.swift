/// Reads a MAC written the ways people and tools write them: `aa:bb:cc:dd:ee:ff`, `AA-BB-CC-DD-EE-FF`,
/// `aabb.ccdd.eeff` (Cisco), `aabbccddeeff`, and `a:b:c:d:e:f` (old `arp -n`, no zero padding).
enum MACNotation {
    /// Lower-case colon form, or nil when `text` is no MAC.
    static func normalized(_ text: String) -> String? {
        let text = ConfigText.trimmed(text).lowercased()
        let groups: [Substring]
        if text.contains(":") {
            groups = text.split(separator: ":", omittingEmptySubsequences: false)
        } else if text.contains("-") {
            groups = text.split(separator: "-", omittingEmptySubsequences: false)
        } else if text.contains(".") {
            let words = text.split(separator: ".", omittingEmptySubsequences: false)
            guard words.count == 3, words.allSatisfy({ $0.count == 4 }) else { return nil }
            groups = words.flatMap { [$0.prefix(2), $0.suffix(2)] }
        } else {
            guard text.count == 12 else { return nil }
            let characters = Array(text)
            groups = stride(from: 0, to: 12, by: 2).map { Substring(String(characters[$0..<$0 + 2])) }
        }
        guard groups.count == 6 else { return nil }
        var bytes: [String] = []
        for group in groups {
            guard (1...2).contains(group.count), group.allSatisfy(\.isHexDigit), group.allSatisfy(\.isASCII) else {
                return nil
            }
            bytes.append(group.count == 1 ? "0\(group)" : String(group))
        }
        return bytes.joined(separator: ":")
    }
}
