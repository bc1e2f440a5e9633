/// A device's presence, spelled as Home Assistant's `device_tracker` payloads.
public enum PresenceState: String, Sendable, Codable, Hashable {
    case home
    case notHome = "not_home"
}
