/// The state file's JSON: `{"format_version": 1, "devices": [...], "event_sequence": 12}`.
/// `event_sequence` (the number of the last event published) came later; a file without it reads as 0.
struct StateFile: Codable {
    /// The version this build writes and the newest it reads.
    static let currentVersion = 1

    var formatVersion: Int
    var devices: [Device]
    var eventSequence: UInt64?

    enum CodingKeys: String, CodingKey {
        case formatVersion = "format_version"
        case devices
        case eventSequence = "event_sequence"
    }

    /// Read first, alone, so a newer file is refused by its version and not reported as corrupt.
    struct Header: Decodable {
        var formatVersion: Int?

        enum CodingKeys: String, CodingKey {
            case formatVersion = "format_version"
        }
    }
}
