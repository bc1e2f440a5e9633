import Foundation
import Testing

@testable import Presence

@Suite("State store")
struct StateStoreTests {
    static let devices = [
        Device(
            id: Fixtures.phoneID, mac: "3c:22:fb:12:34:56", ip: "192.0.2.12", hostName: "annas-phone.lan",
            vendor: "Apple", name: "Anna", state: .home, firstSeen: FakeClock.at(-86_400),
            lastSeen: FakeClock.at(0.25), randomizedMAC: false, keyedByIP: false, deleted: false,
            reason: "arp-response"),
        Device(
            id: "ip_198_18_0_5", mac: nil, ip: "198.18.0.5", hostName: nil, vendor: nil, name: "Device 198.18.0.5",
            state: .notHome, firstSeen: FakeClock.at(-600), lastSeen: FakeClock.at(-300), randomizedMAC: false,
            keyedByIP: true, deleted: true,
            reason: "not seen since 2026-11-26T14:55:00Z; re-probe of 198.18.0.5 got no answer"),
    ]

    static func mode(of path: String) throws -> Int {
        try #require(FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int)
    }

    static func inode(of path: String) throws -> Int {
        try #require(FileManager.default.attributesOfItem(atPath: path)[.systemFileNumber] as? Int)
    }

    @Test("Save then load gives the same devices, in a 0600 file with a format version")
    func roundTrip() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let (logger, log) = RecordingLogHandler.logger()
        let store = StateStore(path: directory.file("state.json"), logger: logger)
        #expect(try store.load().isEmpty, "no file yet: start empty")
        #expect(store.save(Self.devices))
        #expect(try store.load() == Self.devices)
        #expect(try Self.mode(of: store.path) == 0o600)
        #expect(try directory.contents() == ["state.json"], "no temporary file left behind")
        let inode = try Self.inode(of: store.path)
        #expect(store.save(Self.devices.reversed()))
        #expect(try Self.inode(of: store.path) != inode, "a save replaces the file by rename, never rewrites it in place")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: store.path))) as? [String: Any])
        #expect(json["format_version"] as? Int == 1)
        #expect(log.count(.warning) == 0 && log.count(.error) == 0)
    }

    static func owner(of path: String) throws -> (uid: uid_t, gid: gid_t) {
        var status = stat()
        try #require(stat(path, &status) == 0, "stat \(path): \(String(cString: strerror(errno)))")
        return (status.st_uid, status.st_gid)
    }

    @Test("A save keeps the file 0600, whatever mode it had", arguments: [0o600, 0o640, 0o644, 0o666, 0o400])
    func fileMode(before: Int) throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = StateStore(path: directory.file("state.json"), logger: RecordingLogHandler.logger().0)
        #expect(store.save([]))
        #expect(try Self.mode(of: store.path) == 0o600, "created 0600")
        try FileManager.default.setAttributes([.posixPermissions: before], ofItemAtPath: store.path)
        #expect(store.save(Self.devices))
        #expect(try Self.mode(of: store.path) == 0o600)
    }

    /// `sudo nmap2mqtt forget` saves as root over the file of the bridge's user: the file must stay that
    /// user's, or the bridge cannot read it at its next start. (A user who may not give the file back to
    /// its owner makes it its own: EndToEndTests' StateFileTests.)
    @Test(
        "A save by root keeps the file's owner, group and mode 0600",
        .enabled(if: getuid() == 0, "only root may give a file to another user"))
    func ownerKeptByRoot() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = StateStore(path: directory.file("state.json"), logger: RecordingLogHandler.logger().0)
        #expect(store.save(Self.devices))
        try #require(chown(store.path, 65534, 65534) == 0)
        #expect(store.save([Self.devices[1]]))
        let owner = try Self.owner(of: store.path)
        #expect(owner.uid == 65534 && owner.gid == 65534, "owner \(owner.uid):\(owner.gid)")
        #expect(try Self.mode(of: store.path) == 0o600)
        #expect(try store.load() == [Self.devices[1]])
    }

    @Test("A missing state file, or a missing directory, loads as no devices")
    func missingFile() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let (logger, log) = RecordingLogHandler.logger()
        #expect(try StateStore(path: directory.file("state.json"), logger: logger).load().isEmpty)
        #expect(try StateStore(path: directory.file("not-yet/state.json"), logger: logger).load().isEmpty)
        #expect(try directory.contents().isEmpty)
        #expect(log.count(.warning) == 0)
    }

    /// Starting empty would bring back every device deleted in Home Assistant: the bridge stops instead.
    @Test("An unreadable state file stops the bridge with a clear error and is left untouched: a directory in its place")
    func directoryInPlace() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let (logger, log) = RecordingLogHandler.logger()
        let store = StateStore(path: directory.file("state.json"), logger: logger)
        try FileManager.default.createDirectory(atPath: store.path, withIntermediateDirectories: false)
        try Data("kept".utf8).write(to: URL(fileURLWithPath: directory.file("state.json/inside")))

        let error = #expect(throws: PresenceError.self) { try store.load() }
        #expect(error?.code == .unreadableStateFile)
        #expect(error?.path == store.path)
        let text = error?.description ?? ""
        #expect(text.hasPrefix("state file \(store.path) cannot be read: Is a directory (errno 21); it is a directory (owner uid "), "\(text)")
        #expect(text.contains(", mode 0700)") || text.contains(", mode 0755)"), "\(text)")
        #expect(text.contains("state_file must name a file: move the directory away, or set state_file to a file path"), "\(text)")
        #expect(
            text.hasSuffix(
                "then start the bridge again (it does not start without its stored devices, so that devices deleted in Home Assistant stay deleted)"))
        #expect(try directory.contents() == ["state.json"], "nothing moved aside")
        #expect(FileManager.default.contents(atPath: directory.file("state.json/inside")) == Data("kept".utf8))
        #expect(log.count(.warning) == 0 && log.count(.error) == 0)
    }

    enum Unreadable: String, CaseIterable, CustomTestStringConvertible, Sendable {
        case fileMode = "the file has mode 0000"
        case closedDirectory = "its directory cannot be entered"
        var testDescription: String { rawValue }
    }

    /// Root reads any file: as root, EndToEndTests' StateFileTests run the executable as uid 65534 instead.
    @Test(
        "An unreadable state file stops the bridge with a clear error and is left untouched",
        .enabled(if: getuid() != 0, "root reads any file"), arguments: Unreadable.allCases)
    func unreadable(_ scenario: Unreadable) throws {
        let directory = try TemporaryDirectory()
        let closed = directory.file("closed")
        defer {
            chmod(closed, 0o700)
            directory.remove()
        }
        try FileManager.default.createDirectory(atPath: closed, withIntermediateDirectories: false)
        let (logger, log) = RecordingLogHandler.logger()
        let store = StateStore(path: "\(closed)/state.json", logger: logger)
        #expect(store.save(Self.devices))
        let contents = try Data(contentsOf: URL(fileURLWithPath: store.path))
        switch scenario {
        case .fileMode: try #require(chmod(store.path, 0) == 0)
        case .closedDirectory: try #require(chmod(closed, 0o600) == 0)
        }

        let error = #expect(throws: PresenceError.self) { try store.load() }
        #expect(error?.code == .unreadableStateFile)
        let text = error?.description ?? ""
        #expect(text.hasPrefix("state file \(store.path) cannot be read: Permission denied (errno 13); "), "\(text)")
        switch scenario {
        case .fileMode:
            #expect(
                text.contains("it has owner uid \(getuid()), gid \(getgid()), mode 0000, and the bridge runs as uid \(geteuid()), gid \(getegid())"),
                "\(text)")
            #expect(
                text.contains(
                    "make it readable and writable by the user the bridge runs as (uid \(geteuid())): chown \(geteuid()):\(getegid()) \(store.path) && chmod 0600 \(store.path)"
                ), "\(text)")
        case .closedDirectory:
            #expect(text.contains("its directory \(closed) cannot be entered (owner uid \(getuid()), gid \(getgid()), mode 0600)"), "\(text)")
            #expect(text.contains("chmod u+rwx \(closed)"), "\(text)")
        }
        chmod(closed, 0o700)
        chmod(store.path, 0o600)
        #expect(try FileManager.default.contentsOfDirectory(atPath: closed) == ["state.json"], "nothing moved aside")
        #expect(try Data(contentsOf: URL(fileURLWithPath: store.path)) == contents, "left as it was")
        #expect(log.count(.warning) == 0)
    }

    struct CorruptCase: CustomTestStringConvertible, Sendable {
        var name: String
        var contents: String
        var testDescription: String { name }
    }

    @Test(
        "An unparsable state file is moved aside with a warning and loading starts fresh",
        arguments: [
            CorruptCase(name: "not JSON", contents: "\u{0}\u{1}garbage"),
            CorruptCase(name: "empty", contents: ""),
            CorruptCase(name: "a JSON array", contents: "[]"),
            CorruptCase(name: "no format_version", contents: #"{"devices": []}"#),
            CorruptCase(name: "format_version 0", contents: #"{"format_version": 0, "devices": []}"#),
            CorruptCase(name: "a device without its fields", contents: #"{"format_version": 1, "devices": [{"ip": "192.0.2.1"}]}"#),
            CorruptCase(
                name: "a device with a bad MAC",
                contents:
                    #"{"format_version": 1, "devices": [{"mac": "zz", "ip": "192.0.2.1", "name": "x", "state": "home", "first_seen": "2026-11-26T15:00:00Z", "last_seen": "2026-11-26T15:00:00Z"}]}"#
            ),
            CorruptCase(name: "cut off in the middle", contents: #"{"format_version": 1, "devices": [{"mac": "3c:22:fb"#),
        ])
    func corruptFile(_ scenario: CorruptCase) throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let (logger, log) = RecordingLogHandler.logger()
        let store = StateStore(path: directory.file("state.json"), logger: logger)
        try Data(scenario.contents.utf8).write(to: URL(fileURLWithPath: store.path))

        #expect(try store.load().isEmpty)
        let files = try directory.contents()
        #expect(files.count == 1)
        let aside = try #require(files.first)
        #expect(aside.hasPrefix("state.json.corrupt-"), "moved aside as \(aside)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: directory.file(aside))) == Data(scenario.contents.utf8), "kept as it was")
        #expect(log.count(.warning) == 1)
        #expect(store.save(Self.devices), "the bridge starts fresh and can save again")
        #expect(try store.load() == Self.devices)
    }

    @Test("A file of a newer format version is refused with a clear message and left untouched")
    func newerVersion() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = StateStore(path: directory.file("state.json"), logger: RecordingLogHandler.logger().0)
        let contents = Data(#"{"format_version": 2, "devices": [], "something_new": true}"#.utf8)
        try contents.write(to: URL(fileURLWithPath: store.path))

        let error = #expect(throws: PresenceError.self) { try store.load() }
        #expect(error?.code == .newerStateFormat)
        #expect(error?.path == store.path)
        #expect(
            error?.description == "state file \(store.path) has format_version 2, but this nmap2mqtt reads "
                + "format_version 1 at most; run a newer nmap2mqtt, or move the file away to start fresh")
        #expect(try directory.contents() == ["state.json"])
        #expect(try Data(contentsOf: URL(fileURLWithPath: store.path)) == contents)
    }

    /// Where a crash can stop a save, and what the file must then hold.
    enum CrashPoint: String, CaseIterable, CustomTestStringConvertible {
        case temporaryCreatedEmpty = "temporary file created, nothing written"
        case temporaryHalfWritten = "temporary file half written"
        case temporaryWrittenNotRenamed = "temporary file written and fsynced, not renamed"
        case renamedDirectoryNotSynced = "renamed, directory not yet fsynced"
        var testDescription: String { rawValue }
    }

    @Test("A torn write: a crash at any point of a save leaves the old or the new file", arguments: CrashPoint.allCases)
    func tornWrite(_ crash: CrashPoint) throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let (logger, log) = RecordingLogHandler.logger()
        let store = StateStore(path: directory.file("state.json"), logger: logger)
        let old = [Self.devices[0]]
        #expect(store.save(old))
        let new = Self.devices
        let newData = try store.encode(new)

        // The save of `new` dies here (the process is killed; nothing after this line of the save runs).
        switch crash {
        case .temporaryCreatedEmpty:
            try Data().write(to: URL(fileURLWithPath: directory.file(".state.json.tmp-0123456789abcdef")))
        case .temporaryHalfWritten:
            try newData.prefix(newData.count / 2).write(to: URL(fileURLWithPath: directory.file(".state.json.tmp-fedcba9876543210")))
        case .temporaryWrittenNotRenamed:
            _ = try store.writeTemporary(newData)
        case .renamedDirectoryNotSynced:
            let temporary = try store.writeTemporary(newData)
            #expect(rename(temporary, store.path) == 0)
        }

        // The restarted bridge finds a valid file: the old one, or the new one once renamed.
        let (restartLogger, restartLog) = RecordingLogHandler.logger()
        let restarted = StateStore(path: store.path, logger: restartLogger)
        #expect(try restarted.load() == (crash == .renamedDirectoryNotSynced ? new : old))
        #expect(restartLog.count(.warning) == 0, "a leftover temporary file is not mistaken for a corrupt state file")
        #expect(try directory.contents().contains("state.json"))

        // And saving goes on beside the leftover.
        let newest = [Self.devices[1]]
        #expect(restarted.save(newest))
        #expect(try restarted.load() == newest)
        #expect(log.count(.error) == 0)
    }

    @Test("A directory that cannot be written is reported once per change of condition, and saving recovers")
    func unwritableDirectory() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let missing = directory.file("not-yet")
        let (logger, log) = RecordingLogHandler.logger()
        let store = StateStore(path: "\(missing)/state.json", logger: logger)

        for _ in 1...3 { #expect(!store.save(Self.devices)) }
        #expect(log.count(.error) == 1, "logged once when saving starts failing: \(log.messages)")
        #expect(log.messages.first == "Cannot save the device states; will keep trying and say when it works again")

        try FileManager.default.createDirectory(atPath: missing, withIntermediateDirectories: false)
        for _ in 1...3 { #expect(store.save(Self.devices)) }
        #expect(log.count(.info) == 1, "logged once when it works again")
        #expect(try store.load() == Self.devices)

        try FileManager.default.removeItem(atPath: missing)
        #expect(!store.save(Self.devices))
        #expect(!store.save(Self.devices))
        #expect(log.count(.error) == 2, "a new failure after recovery is a new condition")
    }

    @Test("A save error names the file, the failed step and what would be right")
    func saveErrorMessage() throws {
        let store = StateStore(path: "/nonexistent-presence-dir/state.json", logger: RecordingLogHandler.logger().0)
        let error = #expect(throws: PresenceError.self) { _ = try store.writeTemporary(Data()) }
        #expect(error?.code == .stateNotWritable)
        #expect(
            error?.description.hasPrefix(
                "cannot save state file /nonexistent-presence-dir/state.json: creating /nonexistent-presence-dir/.state.json.tmp-") == true)
        #expect(
            error?.description.hasSuffix("failed: No such file or directory (errno 2); the directory must exist and be writable by this user") == true
        )
    }

    @Test("Engine and store together: a restart restores states and consider_home of watching settles them")
    func engineRoundTrip() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = StateStore(path: directory.file("state.json"), logger: RecordingLogHandler.logger().0)
        var first = PresenceEngine(configuration: PresenceConfiguration())
        _ = first.apply(.complete([Fixtures.phone, Fixtures.laptop]), at: FakeClock.start)
        #expect(store.save(first.devices))

        var second = PresenceEngine(configuration: PresenceConfiguration(), devices: try store.load())
        #expect(second.devices == first.devices)
        _ = second.scan(every: 12, from: 3600, to: 3600 + 168, seeing: [Fixtures.laptop])
        #expect(second.probesDue(at: FakeClock.at(3600 + 179)).isEmpty, "one scan after a restart is no evidence")
        let due = second.probesDue(at: FakeClock.at(3600 + 180))
        #expect(due.map(\.deviceID) == [Fixtures.phoneID])
        #expect(second.resolve(due[0], .noAnswer, at: FakeClock.at(3600 + 181)).map(\.kind) == ["departed"])
    }
}
