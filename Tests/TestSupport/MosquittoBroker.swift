import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A real mosquitto broker on a loopback port, started by a test for itself alone.
///
/// It runs `mosquitto -c FILE` with a config rendered from a ``MosquittoBrokerConfig`` into a
/// temporary directory readable by the `mosquitto` user (a broker started as root drops to it).
/// Without persistence: after ``restart()`` every retained message and session is gone.
/// The broker is killed (SIGKILL) when the last reference goes away, so a failing test leaves
/// no broker behind.
public final class MosquittoBroker: Sendable {
    public let host = "127.0.0.1"
    public let port: Int
    /// The broker's own directory: config, log, password and ACL files.
    public let directory: String
    public var configFile: String { directory + "/mosquitto.conf" }
    /// The broker's log (stdout and stderr of every run, appended).
    public var logFile: String { directory + "/mosquitto.log" }
    private let process: Mutex<ChildProcess?>

    private init(port: Int, directory: String, process: ChildProcess) {
        self.port = port
        self.directory = directory
        self.process = Mutex(process)
    }

    deinit {
        process.withLock { $0?.signal(SIGKILL) }
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// Starts a broker and returns once its port accepts connections.
    /// - Parameter port: a fixed port (to start a broker a client already waits for); nil: a free one.
    public static func start(
        config: MosquittoBrokerConfig = .anonymous, port: Int? = nil,
        startupTimeout: Duration = .seconds(10)
    ) async throws -> MosquittoBroker {
        let directory = try makeDirectory()
        do {
            try await writeFiles(of: config, into: directory)
            var attempt = 1
            while true {
                let chosen = try port ?? FreePort.pick()
                try config.render(port: chosen, directory: directory)
                    .write(toFile: directory + "/mosquitto.conf", atomically: true, encoding: .utf8)
                chmod(directory + "/mosquitto.conf", 0o644)
                do {
                    let process = try await launch(directory: directory, port: chosen, timeout: startupTimeout)
                    return MosquittoBroker(port: chosen, directory: directory, process: process)
                } catch is PortTaken where port == nil && attempt < 5 {
                    // Another process took the free port between our pick and the broker's bind.
                    attempt += 1
                }
            }
        } catch {
            try? FileManager.default.removeItem(atPath: directory)
            throw error
        }
    }

    /// The broker's process id while it runs.
    public var pid: pid_t? {
        process.withLock { $0.flatMap { $0.hasExited ? nil : $0.pid } }
    }

    public var isRunning: Bool { pid != nil }

    /// Everything the broker logged so far, across restarts.
    public var log: String {
        FileManager.default.contents(atPath: logFile).map { String(decoding: $0, as: UTF8.self) } ?? ""
    }

    /// Kills the broker at once (SIGKILL): clients see their connections drop, nothing is saved.
    /// Waits (bounded) until the process is gone and its port is free.
    public func kill() async {
        guard let child = process.withLock({ $0 }) else { return }
        await child.kill()
    }

    /// Stops the broker: SIGTERM, then SIGKILL if it has not ended within a second.
    public func stop() async {
        guard let child = process.withLock({ $0 }) else { return }
        child.signal(SIGTERM)
        if await child.waitForExit(within: .seconds(1)) == nil {
            await child.kill()
        }
    }

    /// Starts the broker again on the same port with the same config (killing it first if it runs).
    /// Retained messages and sessions are gone (no persistence).
    public func restart(startupTimeout: Duration = .seconds(10)) async throws {
        await kill()
        let deadline = ContinuousClock.now + startupTimeout
        while true {
            do {
                let child = try await Self.launch(directory: directory, port: port, timeout: startupTimeout)
                process.withLock { $0 = child }
                return
            } catch is PortTaken where ContinuousClock.now < deadline {
                // The old socket can linger a moment after SIGKILL.
                try await Task.sleep(for: .milliseconds(50))
            }
        }
    }

    /// The bind failed because something else holds the port.
    private struct PortTaken: Error {}

    private static func makeDirectory() throws -> String {
        var template = Array((NSTemporaryDirectory() + "nmap2mqtt-mosquitto-XXXXXX").utf8CString)
        guard let made = mkdtemp(&template) else {
            throw HarnessError("cannot create a temporary directory for the broker: \(String(cString: strerror(errno)))")
        }
        let directory = String(cString: made)
        chmod(directory, 0o755)
        return directory
    }

    private static func writeFiles(of config: MosquittoBrokerConfig, into directory: String) async throws {
        for (name, contents) in config.files {
            try contents.write(toFile: "\(directory)/\(name)", atomically: true, encoding: .utf8)
            chmod("\(directory)/\(name)", 0o644)
        }
        let passwords = "\(directory)/passwords"
        for (index, (user, password)) in config.users.sorted(by: { $0.key < $1.key }).enumerated() {
            try await ChildProcess.run("mosquitto_passwd", (index == 0 ? ["-c"] : []) + ["-b", passwords, user, password])
        }
        if !config.users.isEmpty { chmod(passwords, 0o644) }
    }

    /// Runs mosquitto and waits until its port accepts connections; throws with the log otherwise.
    private static func launch(directory: String, port: Int, timeout: Duration) async throws -> ChildProcess {
        let logFile = directory + "/mosquitto.log"
        let logStart = (try? FileManager.default.attributesOfItem(atPath: logFile)[.size] as? Int) ?? 0
        func newLog() -> String {
            let data = FileManager.default.contents(atPath: logFile) ?? Data()
            return String(decoding: data.dropFirst(logStart), as: UTF8.self)
        }
        let child = try ChildProcess("mosquitto", ["-c", directory + "/mosquitto.conf"], outputFile: logFile)
        let deadline = ContinuousClock.now + timeout
        while true {
            if let code = child.exitCode {
                let log = newLog()
                if log.contains("Address already in use") { throw PortTaken() }
                throw HarnessError(
                    "mosquitto -c \(directory)/mosquitto.conf exited with code \(code) before accepting connections on port \(port); its log:\n\(log)"
                )
            }
            if FreePort.isAccepting(port) { return child }
            if ContinuousClock.now >= deadline {
                await child.kill()
                throw HarnessError("mosquitto did not accept connections on 127.0.0.1:\(port) within \(timeout); its log:\n\(newLog())")
            }
            try await Task.sleep(for: .milliseconds(10))
        }
    }
}
