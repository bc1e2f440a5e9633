import Foundation
import Logging
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The state file: what survives a restart.
///
/// Saving is atomic: the JSON goes to a temporary file in the same directory (`.<name>.tmp-<random>`,
/// mode 0600, with the existing file's owner and group when this user may give them), is fsynced, renamed
/// over the file, and the directory is fsynced. A crash at any moment leaves the old or the new file, never
/// a torn one; a leftover temporary file is never read. Keeping the owner matters for `sudo nmap2mqtt
/// forget`: a state file turned root's would be unreadable to the bridge at its next start.
///
/// The file is never lost by accident. A file that exists but cannot be read (owner, mode, a directory
/// that cannot be entered) is refused, untouched, and the bridge does not start: starting empty would
/// bring back every device deleted in Home Assistant. Only a file that was read and cannot be parsed is
/// moved aside to `<file>.corrupt-<time>` with a warning, and loading starts fresh. A file of a newer
/// format version is refused, untouched. A save that fails is logged once when saving starts failing and
/// once when it works again.
public final class StateStore: Sendable {
    /// The state file.
    public let path: String
    private let logger: Logger
    /// Whether the last save failed: the "report once per change of condition" memory.
    private let saveFailing = Mutex(false)

    public init(path: String, logger: Logger) {
        self.path = path
        self.logger = logger
    }

    /// The stored devices; `[]` when there is no file yet, or when it could not be parsed (it is then moved
    /// aside, with a warning). Throws, leaving the file untouched, when it exists but cannot be read, and for
    /// a file of a newer format version.
    public func load() throws(PresenceError) -> [Device] {
        try loadState().devices
    }

    /// What survives a restart: the devices and the number of the last event published.
    public struct Saved: Sendable, Equatable {
        public var devices: [Device]
        public var eventSequence: UInt64

        public init(devices: [Device], eventSequence: UInt64 = 0) {
            self.devices = devices
            self.eventSequence = eventSequence
        }
    }

    /// Like ``load()``, with the event sequence number as well.
    public func loadState() throws(PresenceError) -> Saved {
        let data: Data
        switch readFile() {
        case .missing:
            return Saved(devices: [])
        case .failed(let code):
            throw unreadable(errno: code)
        case .read(let bytes):
            data = bytes
        }
        let decoder = JSONDecoder()
        guard let header = try? decoder.decode(StateFile.Header.self, from: data) else {
            moveAside(because: .corruptStateFile(path: path, why: "is not a JSON object"))
            return Saved(devices: [])
        }
        guard let version = header.formatVersion else {
            moveAside(because: .corruptStateFile(path: path, why: "has no format_version"))
            return Saved(devices: [])
        }
        if version > StateFile.currentVersion {
            throw .newerStateFormat(path: path, found: version, supported: StateFile.currentVersion)
        }
        guard version == StateFile.currentVersion else {
            moveAside(because: .corruptStateFile(path: path, why: "has unknown format_version \(version)"))
            return Saved(devices: [])
        }
        do {
            let file = try decoder.decode(StateFile.self, from: data)
            logger.debug("Loaded state", metadata: ["state.path": "\(path)", "state.devices": "\(file.devices.count)"])
            return Saved(devices: file.devices, eventSequence: file.eventSequence ?? 0)
        } catch {
            moveAside(because: .corruptStateFile(path: path, why: "does not hold valid devices (\(error))"))
            return Saved(devices: [])
        }
    }

    /// Writes the devices atomically; never throws. Returns whether it worked. A failure is logged when
    /// saving starts failing, and recovery when it works again; repeats in between stay quiet.
    @discardableResult
    public func save(_ devices: [Device], eventSequence: UInt64 = 0) -> Bool {
        var failure: PresenceError?
        do {
            let temporary = try writeTemporary(try encode(devices, eventSequence: eventSequence))
            try commit(temporary: temporary)
        } catch {
            failure = error
        }
        let conditionChanged = saveFailing.withLock { failing in
            defer { failing = failure != nil }
            return failing != (failure != nil)
        }
        if conditionChanged {
            if let failure {
                logger.error(
                    "Cannot save the device states; will keep trying and say when it works again",
                    metadata: ["state.path": "\(path)", "state.error": "\(failure)"])
            } else {
                logger.info("Saving the device states works again", metadata: ["state.path": "\(path)"])
            }
        }
        return failure == nil
    }

    // MARK: - Steps (internal so tests can stop between them, as a crash would)

    func encode(_ devices: [Device], eventSequence: UInt64 = 0) throws(PresenceError) -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        do {
            return try encoder.encode(
                StateFile(
                    formatVersion: StateFile.currentVersion, devices: devices,
                    eventSequence: eventSequence == 0 ? nil : eventSequence))
        } catch {
            throw PresenceError(
                code: .stateNotWritable, path: path,
                description: "cannot encode the device states for \(path): \(error)")
        }
    }

    /// Writes and fsyncs a temporary file beside the state file; returns its path.
    func writeTemporary(_ data: Data) throws(PresenceError) -> String {
        let temporary = "\(directory)/.\(fileName).tmp-\(String(UInt64.random(in: 0...UInt64.max), radix: 16))"
        let mode: mode_t = 0o600
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
        guard fd >= 0 else { throw .stateNotWritable(path: path, step: "creating \(temporary)", errno: errno) }
        var failure: PresenceError?
        var existing = stat()
        if stat(path, &existing) == 0 {
            failure = keepOwner(of: existing, on: fd, temporary: temporary)
        }
        if failure == nil, fchmod(fd, mode) != 0 {
            failure = .stateNotWritable(path: path, step: "setting the mode of \(temporary)", errno: errno)
        }
        if failure == nil {
            failure = data.withUnsafeBytes { buffer -> PresenceError? in
                var offset = 0
                while offset < buffer.count {
                    let written = write(fd, buffer.baseAddress! + offset, buffer.count - offset)
                    if written < 0 {
                        if errno == EINTR { continue }
                        return .stateNotWritable(path: path, step: "writing \(temporary)", errno: errno)
                    }
                    offset += written
                }
                return nil
            }
        }
        if failure == nil, fsync(fd) != 0 {
            failure = .stateNotWritable(path: path, step: "fsync of \(temporary)", errno: errno)
        }
        if close(fd) != 0, failure == nil {
            failure = .stateNotWritable(path: path, step: "closing \(temporary)", errno: errno)
        }
        if let failure {
            unlink(temporary)
            throw failure
        }
        return temporary
    }

    /// Gives the temporary file the existing file's owner and group. Root always may; another user may
    /// give only its own groups, and the rest is skipped quietly (EPERM; EINVAL for an id a user namespace
    /// does not map): the file is then this user's, as any new file would be.
    private func keepOwner(of existing: stat, on fd: Int32, temporary: String) -> PresenceError? {
        guard existing.st_uid != geteuid() || existing.st_gid != getegid() else { return nil }
        if fchown(fd, existing.st_uid, existing.st_gid) == 0 { return nil }
        var code = errno
        if code == EPERM || code == EINVAL, existing.st_gid != getegid() {
            if fchown(fd, uid_t.max, existing.st_gid) == 0 { return nil }
            code = errno
        }
        guard code == EPERM || code == EINVAL else {
            return .stateNotWritable(path: path, step: "setting the owner of \(temporary)", errno: code)
        }
        logger.debug(
            "Cannot keep the state file's owner; the new file is this user's",
            metadata: ["state.path": "\(path)", "state.owner": "\(existing.st_uid):\(existing.st_gid)", "state.error": "\(SystemError.text(code))"])
        return nil
    }

    /// Renames the temporary file over the state file and fsyncs the directory, so the rename itself
    /// survives a power cut.
    func commit(temporary: String) throws(PresenceError) {
        guard rename(temporary, path) == 0 else {
            let code = errno
            unlink(temporary)
            throw .stateNotWritable(path: path, step: "renaming \(temporary) to \(path)", errno: code)
        }
        let fd = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw .stateNotWritable(path: path, step: "opening \(directory)", errno: errno) }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw .stateNotWritable(path: path, step: "fsync of \(directory)", errno: errno) }
    }

    // MARK: - Reading and moving aside

    private enum ReadResult {
        case missing
        case failed(Int32)
        case read(Data)
    }

    private func readFile() -> ReadResult {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return errno == ENOENT ? .missing : .failed(errno) }
        defer { close(fd) }
        var data = Data()
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress!, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                return .failed(errno)
            }
            if count == 0 { return .read(data) }
            data.append(contentsOf: buffer[0..<count])
        }
    }

    /// Why the file cannot be read and what would fix it: its owner and mode (or those of the directory
    /// that cannot be entered) against the user the bridge runs as.
    private func unreadable(errno code: Int32) -> PresenceError {
        let user = "uid \(geteuid()), gid \(getegid())"
        let owner = "\(geteuid()):\(getegid())"
        var status = stat()
        if stat(path, &status) == 0 {
            if (status.st_mode & S_IFMT) == S_IFDIR {
                return .unreadableStateFile(
                    path: path, errno: code, access: "it is a directory (\(Self.ownership(status)))",
                    fix: "state_file must name a file: move the directory away, or set state_file to a file path")
            }
            return .unreadableStateFile(
                path: path, errno: code,
                access: "it has \(Self.ownership(status)), and the bridge runs as \(user)",
                fix: "make it readable and writable by the user the bridge runs as (uid \(geteuid())): "
                    + "chown \(owner) \(path) && chmod 0600 \(path)")
        }
        if let blocked = closedDirectory(), stat(blocked, &status) == 0 {
            return .unreadableStateFile(
                path: path, errno: code,
                access: "its directory \(blocked) cannot be entered (\(Self.ownership(status))), and the bridge runs as \(user)",
                fix: "make the directory enterable and the file readable and writable by the user the bridge runs as "
                    + "(uid \(geteuid())): chown \(owner) \(blocked) && chmod u+rwx \(blocked), or give it g+x or o+x")
        }
        return .unreadableStateFile(
            path: path, errno: code, access: "the bridge runs as \(user)",
            fix: "make it a file readable and writable by the user the bridge runs as (uid \(geteuid()))")
    }

    /// The first directory on the way to the file that this user cannot enter, if any.
    private func closedDirectory() -> String? {
        var prefix = path.hasPrefix("/") ? "" : "."
        for component in directory.split(separator: "/") {
            prefix += "/\(component)"
            if faccessat(AT_FDCWD, prefix, X_OK, AT_EACCESS) != 0 { return prefix }
        }
        return nil
    }

    private static func ownership(_ status: stat) -> String {
        let mode = String(status.st_mode & 0o7777, radix: 8)
        return "owner uid \(status.st_uid), gid \(status.st_gid), mode \(String(repeating: "0", count: max(0, 4 - mode.count)) + mode)"
    }

    /// Keeps the bad file for the user to inspect, so starting fresh destroys nothing.
    private func moveAside(because problem: PresenceError) {
        let stamp = Timestamp.compact(Date())
        let aside = "\(path).corrupt-\(stamp)"
        if rename(path, aside) == 0 {
            logger.warning(
                "State file unusable, moved aside; starting with no stored devices",
                metadata: ["state.path": "\(path)", "state.moved_to": "\(aside)", "state.error": "\(problem)"])
        } else {
            logger.warning(
                "State file unusable and could not be moved aside; starting with no stored devices",
                metadata: [
                    "state.path": "\(path)", "state.error": "\(problem)",
                    "state.move_error": "\(SystemError.text(errno))",
                ])
        }
    }

    private var directory: String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    private var fileName: String {
        guard let slash = path.lastIndex(of: "/") else { return path }
        return String(path[path.index(after: slash)...])
    }
}
