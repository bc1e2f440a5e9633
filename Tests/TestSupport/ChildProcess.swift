import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A child process started with `posix_spawn`, with an empty signal mask and default signal
/// dispositions (unlike `Foundation.Process`, whose children inherit a blocked SIGTERM: docs/ARCHITECTURE.md),
/// its output appended to a file, and reaped by a thread of its own so that nothing waits on
/// Swift's cooperative pool. Killed with SIGKILL when the last reference goes away.
public final class ChildProcess: Sendable {
    public let pid: pid_t
    public let executable: String
    public let arguments: [String]
    /// Where stdout and stderr go (appended), or nil for /dev/null.
    public let outputFile: String?
    /// The wait status once the child has been reaped; shared with the reaper thread, which must
    /// not keep `self` alive (or the kill in `deinit` could never run).
    private let reaped: Reaped

    private final class Reaped: Sendable {
        let status = Mutex<Int32?>(nil)
    }

    /// Starts `executable` (a path, or a name looked up in PATH, /usr/sbin and /sbin).
    /// - Parameters:
    ///   - environment: the child's whole environment; nil = this process's.
    ///   - workingDirectory: where the child starts; nil = this process's current directory.
    public init(
        _ executable: String, _ arguments: [String], outputFile: String? = nil,
        environment: [String: String]? = nil, workingDirectory: String? = nil
    ) throws {
        // posix_spawn_file_actions_addchdir_np is not visible to Swift here: `env -C DIR` changes
        // directory and then execs the program itself.
        var arguments = arguments
        var executable = executable
        if let workingDirectory {
            arguments = ["-C", workingDirectory, try Self.locate(executable)] + arguments
            executable = "/usr/bin/env"
        }
        let path = try Self.locate(executable)
        var fileActions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&fileActions)
        defer { posix_spawn_file_actions_destroy(&fileActions) }
        posix_spawn_file_actions_addopen(&fileActions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&fileActions, 1, outputFile ?? "/dev/null", O_WRONLY | O_CREAT | O_APPEND, 0o644)
        posix_spawn_file_actions_adddup2(&fileActions, 1, 2)

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var mask = sigset_t()
        sigemptyset(&mask)
        posix_spawnattr_setsigmask(&attributes, &mask)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGTERM, SIGINT, SIGHUP, SIGPIPE, SIGCHLD, SIGQUIT, SIGUSR1, SIGUSR2] {
            sigaddset(&defaults, signal)
        }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        let argv: [UnsafeMutablePointer<CChar>?] = ([path] + arguments).map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        let envp: [UnsafeMutablePointer<CChar>?]? = environment.map { $0.map { strdup("\($0.key)=\($0.value)") } + [nil] }
        defer { for pointer in envp ?? [] { free(pointer) } }
        var pid: pid_t = 0
        let rc =
            if let envp {
                posix_spawn(&pid, path, &fileActions, &attributes, argv, envp)
            } else {
                posix_spawn(&pid, path, &fileActions, &attributes, argv, environ)
            }
        guard rc == 0 else {
            throw HarnessError("cannot start \(path) \(arguments.joined(separator: " ")): \(String(cString: strerror(rc)))")
        }
        self.pid = pid
        self.executable = path
        self.arguments = arguments
        self.outputFile = outputFile
        let reaped = Reaped()
        self.reaped = reaped
        let child = pid
        Thread.detachNewThread {
            var raw: Int32 = 0
            while waitpid(child, &raw, 0) == -1 && errno == EINTR {}
            reaped.status.withLock { $0 = raw }
        }
    }

    deinit {
        if !hasExited {
            Glibc.kill(pid, SIGKILL)
        }
    }

    public var hasExited: Bool { reaped.status.withLock { $0 != nil } }

    /// The exit code, or 128 + the signal number when a signal ended it (as a shell reports it);
    /// nil while it runs.
    public var exitCode: Int32? {
        reaped.status.withLock { $0 }.map { raw in raw & 0x7f == 0 ? (raw >> 8) & 0xff : 128 + (raw & 0x7f) }
    }

    /// Sends a signal (nothing happens once the child has been reaped, so its pid cannot be reused by mistake).
    public func signal(_ signal: Int32) {
        reaped.status.withLock { status in
            if status == nil { _ = Glibc.kill(pid, signal) }
        }
    }

    /// Waits, at most `limit`, for the child to end; returns its exit code, or nil if it still runs.
    @discardableResult
    public func waitForExit(within limit: Duration) async -> Int32? {
        let deadline = ContinuousClock.now + limit
        while true {
            if let code = exitCode { return code }
            if ContinuousClock.now >= deadline { return nil }
            try? await Task.sleep(for: .milliseconds(5))
        }
    }

    /// Sends SIGKILL and waits for the child to be reaped (bounded: SIGKILL cannot be ignored).
    public func kill() async {
        signal(SIGKILL)
        await waitForExit(within: .seconds(10))
    }

    /// The output so far (empty without an output file).
    public var output: String {
        guard let outputFile, let data = FileManager.default.contents(atPath: outputFile) else { return "" }
        return String(decoding: data, as: UTF8.self)
    }

    /// Runs a short command to its end, at most `limit`, and returns its output; throws when it
    /// fails or takes too long (it is then killed).
    @discardableResult
    public static func run(_ executable: String, _ arguments: [String], timeout limit: Duration = .seconds(30)) async throws -> String {
        let outputFile = NSTemporaryDirectory() + "nmap2mqtt-child-\(UUID().uuidString).out"
        defer { try? FileManager.default.removeItem(atPath: outputFile) }
        let child = try ChildProcess(executable, arguments, outputFile: outputFile)
        guard let code = await child.waitForExit(within: limit) else {
            await child.kill()
            throw HarnessError("\(executable) \(arguments.joined(separator: " ")) did not finish within \(limit); output:\n\(child.output)")
        }
        guard code == 0 else {
            throw HarnessError("\(executable) \(arguments.joined(separator: " ")) failed with exit code \(code); output:\n\(child.output)")
        }
        return child.output
    }

    /// Finds an executable by name in PATH and the sbin directories (where mosquitto lives).
    public static func locate(_ name: String) throws -> String {
        if name.contains("/") { return name }
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        let directories = path.split(separator: ":").map(String.init) + ["/usr/local/sbin", "/usr/sbin", "/sbin"]
        for directory in directories where access("\(directory)/\(name)", X_OK) == 0 {
            return "\(directory)/\(name)"
        }
        throw HarnessError("\(name) is not installed (looked in \(directories.joined(separator: ":"))); run scripts/install-deps")
    }
}
