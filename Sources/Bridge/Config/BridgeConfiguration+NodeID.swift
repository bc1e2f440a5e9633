import Foundation

extension BridgeConfiguration {
    /// Whether `text` can name a node: it becomes one level of a topic (`<base>/nodes/<node>/...`), so
    /// no `/`, `+`, `#` or spaces, and nothing a shell or a log would misread.
    static func isValidNodeID(_ text: String) -> Bool {
        !text.isEmpty && text.utf8.count <= 64
            && text.unicodeScalars.allSatisfy { $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "_" || $0 == "-") }
    }

    /// The host name's first label, with every character a node name cannot hold replaced by `_`;
    /// `nmap2mqtt` when the host has no name.
    public static func defaultNodeID() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "nmap2mqtt" }
        let name = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        let label = name.split(separator: ".").first.map(String.init) ?? ""
        let cleaned = String(
            String.UnicodeScalarView(
                label.unicodeScalars.prefix(64).map { isValidNodeID(String($0)) ? $0 : "_" }))
        return cleaned.isEmpty ? "nmap2mqtt" : cleaned
    }
}
