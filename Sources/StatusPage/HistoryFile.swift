#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The history on disk: JSON, written with the same care as the state file.
///
/// Saving writes a temporary file in the same directory (`.<name>.tmp-<random>`, mode 0600), fsyncs it,
/// renames it over the file and fsyncs the directory, so a crash leaves the old or the new file, never a
/// torn one. Times are stored as Unix seconds (no date formatter, so no ICU pages in the process).
/// ``HistoryWriter`` spaces the saves out, for flash.
///
/// ```json
/// {"format_version":1,"last_alive":1764790000.5,
///  "baseline":{"at":1764190000,"watching":true,"home":["AA:BB:CC:DD:EE:01"]},
///  "entries":[{"t":1764790000.5,"m":"start"},{"t":1764790012.1,"id":"AA:BB:CC:DD:EE:01","s":"not_home"}]}
/// ```
public struct HistoryFile: Sendable {
    /// The file.
    public let path: String

    /// The format this code writes and reads.
    static let formatVersion = 1

    public init(path: String) {
        self.path = path
    }

    /// The history file kept beside a state file: `state.json` → `state-history.json`.
    public init(besideStateFile stateFile: String) {
        let stem = stateFile.hasSuffix(".json") ? String(stateFile.dropLast(5)) : stateFile
        self.init(path: stem + "-history.json")
    }

    /// The stored history; an empty one when there is no file yet. Throws ``StatusPageError/Code/historyUnreadable``
    /// for a file that cannot be read and ``StatusPageError/Code/historyCorrupt`` for one that is not a
    /// history of this format (the caller decides whether to start afresh: ``moveAside(now:)``).
    public func load(limits: PresenceHistory.Limits = .init()) throws(StatusPageError) -> PresenceHistory {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            if errno == ENOENT { return PresenceHistory(limits: limits) }
            throw .system(.historyUnreadable, "cannot read the history file \(path)", errno: errno)
        }
        defer { close(fd) }
        var data = Data()
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress!, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw .system(.historyUnreadable, "cannot read the history file \(path)", errno: errno)
            }
            if count == 0 { break }
            data.append(contentsOf: buffer[0..<count])
        }
        return try decode(data, limits: limits)
    }

    func decode(_ data: Data, limits: PresenceHistory.Limits) throws(StatusPageError) -> PresenceHistory {
        let stored: StoredHistory
        do {
            stored = try JSONDecoder().decode(StoredHistory.self, from: data)
        } catch {
            throw StatusPageError(
                code: .historyCorrupt,
                description: "the history file \(path) is not a presence history (\(error)); "
                    + "expected the JSON nmap2mqtt writes, with format_version \(Self.formatVersion)")
        }
        guard stored.formatVersion == Self.formatVersion else {
            throw StatusPageError(
                code: .historyCorrupt,
                description: "the history file \(path) has format_version \(stored.formatVersion); "
                    + "this nmap2mqtt reads \(Self.formatVersion)")
        }
        var entries: [PresenceHistory.Entry] = []
        entries.reserveCapacity(stored.entries.count)
        for item in stored.entries {
            let at = Date(timeIntervalSince1970: item.t)
            switch (item.m, item.id, item.s) {
            case ("start"?, nil, nil): entries.append(.init(at: at, event: .start))
            case ("stop"?, nil, nil): entries.append(.init(at: at, event: .stop))
            case (nil, let id?, let state?): entries.append(.init(at: at, event: .change(id: id, state: state)))
            default:
                throw StatusPageError(
                    code: .historyCorrupt,
                    description: "the history file \(path) has an entry at \(item.t) that is neither a change "
                        + "({\"t\",\"id\",\"s\"}) nor a mark ({\"t\",\"m\":\"start\"|\"stop\"})")
            }
        }
        let baseline = stored.baseline.map {
            PresenceHistory.Baseline(at: Date(timeIntervalSince1970: $0.at), watching: $0.watching, home: Set($0.home))
        }
        return PresenceHistory(
            limits: limits, baseline: baseline, entries: entries,
            lastAlive: stored.lastAlive.map { Date(timeIntervalSince1970: $0) })
    }

    func encode(_ history: PresenceHistory) -> Data {
        let stored = StoredHistory(
            formatVersion: Self.formatVersion,
            lastAlive: history.lastAlive.map { Self.seconds($0) },
            baseline: history.baseline.map {
                StoredHistory.StoredBaseline(at: Self.seconds($0.at), watching: $0.watching, home: $0.home.sorted())
            },
            entries: history.entries.map { entry in
                switch entry.event {
                case .start: StoredHistory.StoredEntry(t: Self.seconds(entry.at), m: "start", id: nil, s: nil)
                case .stop: StoredHistory.StoredEntry(t: Self.seconds(entry.at), m: "stop", id: nil, s: nil)
                case .change(let id, let state): StoredHistory.StoredEntry(t: Self.seconds(entry.at), m: nil, id: id, s: state)
                }
            })
        // Encoding plain strings, numbers and arrays cannot fail.
        return (try? JSONEncoder().encode(stored)) ?? Data()
    }

    /// Milliseconds are plenty, and keep the file short.
    private static func seconds(_ date: Date) -> Double {
        (date.timeIntervalSince1970 * 1000).rounded() / 1000
    }

    /// Writes `history` atomically (temporary file, fsync, rename, directory fsync; mode 0600).
    public func save(_ history: PresenceHistory) throws(StatusPageError) {
        let temporary = try writeTemporary(encode(history))
        try commit(temporary: temporary)
    }

    /// Moves an unusable file aside to `<file>.corrupt-<unix seconds>`, so starting afresh destroys nothing.
    /// Returns the new path, or nil when it could not be moved.
    public func moveAside(now: Date = Date()) -> String? {
        let aside = "\(path).corrupt-\(Int(now.timeIntervalSince1970))"
        return rename(path, aside) == 0 ? aside : nil
    }

    func writeTemporary(_ data: Data) throws(StatusPageError) -> String {
        let temporary = "\(directory)/.\(fileName).tmp-\(String(UInt64.random(in: 0...UInt64.max), radix: 16))"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw .system(.historyNotWritable, "cannot create \(temporary)", errno: errno) }
        var failure: StatusPageError?
        if fchmod(fd, 0o600) != 0 {
            failure = .system(.historyNotWritable, "cannot set the mode of \(temporary)", errno: errno)
        }
        if failure == nil {
            failure = data.withUnsafeBytes { buffer -> StatusPageError? in
                var offset = 0
                while offset < buffer.count {
                    let written = write(fd, buffer.baseAddress! + offset, buffer.count - offset)
                    if written < 0 {
                        if errno == EINTR { continue }
                        return .system(.historyNotWritable, "cannot write \(temporary)", errno: errno)
                    }
                    offset += written
                }
                return nil
            }
        }
        if failure == nil, fsync(fd) != 0 {
            failure = .system(.historyNotWritable, "cannot fsync \(temporary)", errno: errno)
        }
        if close(fd) != 0, failure == nil {
            failure = .system(.historyNotWritable, "cannot close \(temporary)", errno: errno)
        }
        if let failure {
            unlink(temporary)
            throw failure
        }
        return temporary
    }

    func commit(temporary: String) throws(StatusPageError) {
        guard rename(temporary, path) == 0 else {
            let code = errno
            unlink(temporary)
            throw .system(.historyNotWritable, "cannot rename \(temporary) to \(path)", errno: code)
        }
        let fd = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw .system(.historyNotWritable, "cannot open \(directory)", errno: errno) }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw .system(.historyNotWritable, "cannot fsync \(directory)", errno: errno) }
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

/// The JSON shape of ``HistoryFile``: short keys, since a week can hold 20,000 entries.
private struct StoredHistory: Codable {
    struct StoredBaseline: Codable {
        var at: Double
        var watching: Bool
        var home: [String]
    }

    struct StoredEntry: Codable {
        var t: Double
        var m: String?
        var id: String?
        var s: DeviceStatus.State?
    }

    var formatVersion: Int
    var lastAlive: Double?
    var baseline: StoredBaseline?
    var entries: [StoredEntry]

    enum CodingKeys: String, CodingKey {
        case formatVersion = "format_version"
        case lastAlive = "last_alive"
        case baseline, entries
    }
}
