import Foundation

/// Prints one measurement as a single JSON object on stdout (keys sorted, so lines diff well).
enum JSONLine {
    static func print(_ values: [String: any Sendable]) {
        var object: [String: Any] = [:]
        for (key, value) in values { object[key] = value }
        guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]) else {
            FileHandle.standardError.write(Data("nmap2mqtt-bench: could not encode \(values)\n".utf8))
            return
        }
        FileHandle.standardOutput.write(data + Data("\n".utf8))
    }
}
