/// The state file's JSON: `{"format_version": 1, "devices": [...]}`.
struct StateFile: Codable {
    /// The version this build writes and the newest it reads.
    static let currentVersion = 1

    var formatVersion: Int
    var devices: [Device]

    enum CodingKeys: String, CodingKey {
        case formatVersion = "format_version"
        case devices
    }

    /// Read first, alone, so a newer file is refused by its version and not reported as corrupt.
    struct Header: Decodable {
        var formatVersion: Int?

        enum CodingKeys: String, CodingKey {
            case formatVersion = "format_version"
        }
    }
}
