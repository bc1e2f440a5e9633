/// The one error type of the Presence module: what went wrong with the state file, with which path, and what
/// would be right.
public struct PresenceError: Error, CustomStringConvertible, Sendable, Hashable {
    public enum Code: String, Sendable, Hashable {
        /// The state file was written by a newer nmap2mqtt; it is left untouched.
        case newerStateFormat
        /// The state file exists but cannot be opened or read (owner, mode, a directory in its way); it is
        /// left untouched and the bridge does not start, so the devices it holds are not lost.
        case unreadableStateFile
        /// The state file was read but cannot be parsed; it is moved aside and loading starts fresh.
        case corruptStateFile
        /// The state file could not be written.
        case stateNotWritable
    }

    public var code: Code
    /// The state file concerned.
    public var path: String
    public var description: String

    public init(code: Code, path: String, description: String) {
        self.code = code
        self.path = path
        self.description = description
    }

    static func newerStateFormat(path: String, found: Int, supported: Int) -> PresenceError {
        PresenceError(
            code: .newerStateFormat, path: path,
            description: "state file \(path) has format_version \(found), but this nmap2mqtt reads "
                + "format_version \(supported) at most; run a newer nmap2mqtt, or move the file away to start fresh")
    }

    static func unreadableStateFile(path: String, errno code: Int32, access: String, fix: String) -> PresenceError {
        PresenceError(
            code: .unreadableStateFile, path: path,
            description: "state file \(path) cannot be read: \(SystemError.text(code)) (errno \(code)); \(access); "
                + "\(fix), then start the bridge again (it does not start without its stored devices, "
                + "so that devices deleted in Home Assistant stay deleted)")
    }

    static func corruptStateFile(path: String, why: String) -> PresenceError {
        PresenceError(
            code: .corruptStateFile, path: path,
            description: "state file \(path) \(why); expected a JSON object with format_version "
                + "\(StateFile.currentVersion) and a devices array")
    }

    static func stateNotWritable(path: String, step: String, errno code: Int32) -> PresenceError {
        PresenceError(
            code: .stateNotWritable, path: path,
            description: "cannot save state file \(path): \(step) failed: \(SystemError.text(code)) "
                + "(errno \(code)); the directory must exist and be writable by this user")
    }
}
