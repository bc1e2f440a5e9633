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
/// mode 0600, or 0640 when the existing file had group read), is fsynced, renamed over the file, and the
/// directory is fsynced. A crash at any moment leaves the old or the new file, never a torn one; a leftover
/// temporary file is never read.
///
/// Failures never stop the bridge: a corrupt or unreadable file is moved aside to `<file>.corrupt-<time>`
/// with a warning and loading starts fresh; a save that fails is logged once when saving starts failing
/// and once when it works again. Only a file of a newer format version is refused, untouched.
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

    /// The stored devices; `[]` when there is no file yet, or when it was corrupt or unreadable (it is then
    /// moved aside, with a warning). Throws only for a file of a newer format version.
    public func load() throws(PresenceError) -> [Device] {
        let data: Data
        switch readFile() {
        case .missing:
            return []
        case .failed(let code):
            moveAside(because: .unreadableStateFile(path: path, why: "cannot be read: \(SystemError.text(code))"))
            return []
        case .read(let bytes):
            data = bytes
        }
        let decoder = JSONDecoder()
        guard let header = try? decoder.decode(StateFile.Header.self, from: data) else {
            moveAside(because: .unreadableStateFile(path: path, why: "is not a JSON object"))
            return []
        }
        guard let version = header.formatVersion else {
            moveAside(because: .unreadableStateFile(path: path, why: "has no format_version"))
            return []
        }
        if version > StateFile.currentVersion {
            throw .newerStateFormat(path: path, found: version, supported: StateFile.currentVersion)
        }
        guard version == StateFile.currentVersion else {
            moveAside(because: .unreadableStateFile(path: path, why: "has unknown format_version \(version)"))
            return []
        }
        do {
            let file = try decoder.decode(StateFile.self, from: data)
            logger.debug("Loaded state", metadata: ["state.path": "\(path)", "state.devices": "\(file.devices.count)"])
            return file.devices
        } catch {
            moveAside(because: .unreadableStateFile(path: path, why: "does not hold valid devices (\(error))"))
            return []
        }
    }

    /// Writes the devices atomically; never throws. Returns whether it worked. A failure is logged when
    /// saving starts failing, and recovery when it works again; repeats in between stay quiet.
    @discardableResult
    public func save(_ devices: [Device]) -> Bool {
        var failure: PresenceError?
        do {
            let temporary = try writeTemporary(try encode(devices))
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

    func encode(_ devices: [Device]) throws(PresenceError) -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        do {
            return try encoder.encode(StateFile(formatVersion: StateFile.currentVersion, devices: devices))
        } catch {
            throw PresenceError(
                code: .stateNotWritable, path: path,
                description: "cannot encode the device states for \(path): \(error)")
        }
    }

    /// Writes and fsyncs a temporary file beside the state file; returns its path.
    func writeTemporary(_ data: Data) throws(PresenceError) -> String {
        let temporary = "\(directory)/.\(fileName).tmp-\(String(UInt64.random(in: 0...UInt64.max), radix: 16))"
        var existing = stat()
        let mode: mode_t = stat(path, &existing) == 0 && existing.st_mode & 0o040 != 0 ? 0o640 : 0o600
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
        guard fd >= 0 else { throw .stateNotWritable(path: path, step: "creating \(temporary)", errno: errno) }
        var failure: PresenceError?
        if fchmod(fd, mode) != 0 {
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
