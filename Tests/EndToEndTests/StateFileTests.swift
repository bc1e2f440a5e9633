import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The state file is never lost by accident: the built executable against files of the wrong owner,
/// run as uid 65534 (the bridge's own user) and as root (an admin's `sudo nmap2mqtt forget`).
@Suite("State file ownership", .enabled(if: getuid() == 0, "needs root to give files to uid 65534 and to run as it"))
struct StateFileTests {
    static let nobody: uid_t = 65534
    static let mac = "3c:22:fb:12:34:56"
    static let contents = Data(
        """
        {"format_version": 1, "devices": [{"mac": "\(mac)", "ip": "198.18.42.10", "name": "Anna", "state": "home",
         "first_seen": "2026-11-26T15:00:00Z", "last_seen": "2026-11-26T15:00:00Z"}]}
        """.utf8)

    enum Unreadable: String, CaseIterable, CustomTestStringConvertible, Sendable {
        case rootsFile = "the file is root's, mode 0600 (as an old sudo nmap2mqtt forget left it)"
        case closedDirectory = "its directory is root's, mode 0700"
        var testDescription: String { rawValue }
    }

    @Test("An unreadable state file stops the bridge with a clear error and is left untouched", arguments: Unreadable.allCases)
    func unreadable(_ scenario: Unreadable) async throws {
        try await withBridge(broker: .none, watcher: .none, config: nil, startDaemon: false) { scene in
            let directory = scene.directory + "/state"
            let stateFile = directory + "/state.json"
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: false)
            try Self.contents.write(to: URL(fileURLWithPath: stateFile))
            chmod(stateFile, 0o600)
            chmod(directory, scenario == .rootsFile ? 0o755 : 0o700)
            try scene.writeConfig(BridgeConfig(port: 1, stateFile: stateFile))

            let result = try await Self.run(["run", "--config", scene.configFile], as: Self.nobody, directory: scene.directory)
            #expect(result.status == 1, "exit status; output:\n\(result.output)")
            let lines = result.output.split(separator: "\n")
            #expect(lines.count == 1, "one line: \(result.output)")
            let line = String(lines.last ?? "")
            #expect(
                line.hasPrefix("nmap2mqtt: \(scene.configFile): state_file: state file \(stateFile) cannot be read: Permission denied (errno 13); "),
                "\(line)")
            switch scenario {
            case .rootsFile:
                #expect(
                    line.contains(
                        "it has owner uid 0, gid 0, mode 0600, and the bridge runs as uid 65534, gid 65534; "
                            + "make it readable and writable by the user the bridge runs as (uid 65534): "
                            + "chown 65534:65534 \(stateFile) && chmod 0600 \(stateFile), then start the bridge again"), "\(line)")
            case .closedDirectory:
                #expect(
                    line.contains(
                        "its directory \(directory) cannot be entered (owner uid 0, gid 0, mode 0700), and the bridge runs as uid 65534, gid 65534; "
                            + "make the directory enterable and the file readable and writable by the user the bridge runs as (uid 65534): "
                            + "chown 65534:65534 \(directory) && chmod u+rwx \(directory)"), "\(line)")
            }
            #expect(try FileManager.default.contentsOfDirectory(atPath: directory) == ["state.json"], "nothing moved aside")
            #expect(FileManager.default.contents(atPath: stateFile) == Self.contents, "left as it was")
            #expect(try Self.ownership(stateFile) == "0:0 0600")
        }
    }

    @Test("nmap2mqtt forget by root keeps the file's owner, group and mode, so the bridge can still read it")
    func forgetByRoot() async throws {
        try await withBridge(watcher: .none, config: nil, startDaemon: false) { scene in
            try Self.contents.write(to: URL(fileURLWithPath: scene.stateFile))
            chmod(scene.stateFile, 0o600)
            chown(scene.stateFile, Self.nobody, Self.nobody)
            try scene.writeConfig()

            let forgot = try await Daemon.run(["forget", Self.mac, "--config", scene.configFile], directory: scene.directory)
            #expect(forgot.status == 0 && forgot.output.contains("removed from the state file"), "forget: \(forgot.output)")
            #expect(try Self.ownership(scene.stateFile) == "65534:65534 0600")
            let devices = try await Self.run(["devices", "--config", scene.configFile, "--json"], as: Self.nobody, directory: scene.directory)
            #expect(devices.status == 0, "the bridge's user reads the file: \(devices.output)")
            let list = try? Published.decode([Published.StoredDevice].self, from: Array(devices.output.utf8))
            #expect(list?.isEmpty == true, "the device is forgotten: \(devices.output)")
        }
    }

    /// The other way round: the bridge's user saving over a file it may not give back to root.
    @Test("nmap2mqtt forget by the bridge's user over root's readable file works and makes the file the user's")
    func forgetByOwnerOfDirectory() async throws {
        try await withBridge(watcher: .none, config: nil, startDaemon: false) { scene in
            let directory = scene.directory + "/state"
            let stateFile = directory + "/state.json"
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: false)
            chown(directory, Self.nobody, Self.nobody)
            try Self.contents.write(to: URL(fileURLWithPath: stateFile))
            chmod(stateFile, 0o644)
            try scene.writeConfig(BridgeConfig(stateFile: stateFile))

            let forgot = try await Self.run(["forget", Self.mac, "--config", scene.configFile], as: Self.nobody, directory: scene.directory)
            #expect(forgot.status == 0 && forgot.output.contains("removed from the state file"), "forget: \(forgot.output)")
            #expect(try Self.ownership(stateFile) == "65534:65534 0600")
        }
    }

    /// `uid:gid mode` of a file.
    static func ownership(_ path: String) throws -> String {
        var status = stat()
        try #require(stat(path, &status) == 0, "stat \(path): \(String(cString: strerror(errno)))")
        let mode = String(status.st_mode & 0o7777, radix: 8)
        return "\(status.st_uid):\(status.st_gid) \(String(repeating: "0", count: max(0, 4 - mode.count)) + mode)"
    }

    /// Runs a short command of the executable as `uid` (and the same gid, no other groups).
    static func run(_ arguments: [String], as uid: uid_t, directory: String) async throws -> (status: Int32, output: String) {
        let output = directory + "/command-\(UUID().uuidString).log"
        let child = try ChildProcess(
            "setpriv", ["--reuid=\(uid)", "--regid=\(uid)", "--clear-groups", Daemon.executable] + arguments, outputFile: output)
        guard let status = await child.waitForExit(within: .seconds(30)) else {
            await child.kill()
            throw EndToEndError("nmap2mqtt \(arguments.joined(separator: " ")) as uid \(uid) did not finish within 30 s")
        }
        return (status, (try? String(contentsOfFile: output, encoding: .utf8)) ?? "")
    }
}
