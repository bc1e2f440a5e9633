/// How the engine counted one scan.
public enum ScanRoundResult: String, Sendable, Hashable, Codable {
    /// The scan completed and some host answered: it was watching, and its misses count.
    case ok
    /// nmap failed, timed out or printed broken XML: no evidence about anyone.
    case failed
    /// The scan completed but no host answered although it looked for home devices: a switch or access
    /// point down, not an empty house. It counts like a failed scan.
    case outage
}
