import Foundation
import Glibc

/// Runs a program without a shell and collects its output, off Swift's cooperative thread pool.
///
/// Why not `Foundation.Process`: its children inherit a signal mask that blocks SIGTERM
/// (swift-corelibs-foundation #4772), so they cannot be stopped politely, and `waitUntilExit()` can
/// hang. Why not swift-subprocess: it is not among this project's dependencies (no network to fetch
/// it), and what nmap needs is small: a new process group so a timeout or cancellation kills nmap with
/// anything it started, a clean signal mask and default dispositions, nothing inherited but stdin,
/// stdout and stderr (libmosquitto's broker socket is not close-on-exec), stdout read to the end, stderr
/// kept. posix_spawn does all of that in one call, with `addclosefrom_np` for the descriptors.
///
/// Each run has one dedicated thread: it spawns, reads both pipes with poll(2) until end of file
/// (killing the group when the deadline passes), then waits for the exit status, and resumes the
/// awaiting task through a continuation.
enum ProcessRunner {
    static func run(
        _ argv: [String], timeout: Duration
    ) async -> Result<ProcessOutcome, SpawnError> {
        let control = ProcessControl()
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Result<ProcessOutcome, SpawnError>, Never>) in
                let thread = Thread {
                    continuation.resume(returning: runBlocking(argv, timeout: timeout, control: control))
                }
                thread.name = "nmap2mqtt.process"
                thread.start()
            }
        } onCancel: {
            control.cancel()
        }
    }

    /// How long to keep reading after the group was killed, in case something escaped the group and
    /// still holds a pipe open.
    private static let drainAfterKill: Duration = .seconds(2)

    /// pipe2(2) makes both ends close-on-exec atomically, so a process spawned at the same moment by
    /// another thread cannot inherit them and hold our pipe open. Glibc's Swift module hides it
    /// behind _GNU_SOURCE, hence the lookup.
    private typealias Pipe2 = @convention(c) (UnsafeMutablePointer<Int32>?, Int32) -> Int32
    private static let pipe2: Pipe2 = {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "pipe2") else {
            fatalError("glibc without pipe2(2)")
        }
        return unsafeBitCast(symbol, to: Pipe2.self)
    }()

    /// posix_spawn_file_actions_addclosefrom_np (glibc 2.34): the child closes every descriptor from 3 up
    /// before it runs the program, whatever this process has open and whether or not it is close-on-exec
    /// (libmosquitto's sockets are not). Hidden behind _GNU_SOURCE too, hence the lookup; nil on an older
    /// glibc, where each open descriptor is closed by name instead.
    private typealias AddCloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>?, Int32) -> Int32
    private static let addCloseFrom: AddCloseFrom? = {
        dlsym(UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addclosefrom_np")
            .map { unsafeBitCast($0, to: AddCloseFrom.self) }
    }()

    /// Asks the child to close every descriptor above stderr.
    private static func closeInheritable(_ actions: inout posix_spawn_file_actions_t) {
        if let addCloseFrom, addCloseFrom(&actions, 3) == 0 { return }
        let own = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
        for fd in own.compactMap(Int32.init) where fd > 2 {
            posix_spawn_file_actions_addclose(&actions, fd)
        }
    }

    private static func runBlocking(
        _ argv: [String], timeout: Duration, control: ProcessControl
    ) -> Result<ProcessOutcome, SpawnError> {
        if control.wasCancelled {
            return .success(ProcessOutcome(termination: nil, stdout: [], stderr: [], timedOut: false, cancelled: true))
        }
        var outPipe: [Int32] = [-1, -1]
        var errPipe: [Int32] = [-1, -1]
        guard pipe2(&outPipe, O_CLOEXEC) == 0 else { return .failure(SpawnError(program: argv[0], errno: errno)) }
        guard pipe2(&errPipe, O_CLOEXEC) == 0 else {
            let code = errno
            close(outPipe[0])
            close(outPipe[1])
            return .failure(SpawnError(program: argv[0], errno: code))
        }

        let spawned = spawn(argv, stdout: outPipe[1], stderr: errPipe[1])
        close(outPipe[1])
        close(errPipe[1])
        let pid: pid_t
        switch spawned {
        case .failure(let error):
            close(outPipe[0])
            close(errPipe[0])
            return .failure(error)
        case .success(let child):
            pid = child
        }
        _ = control.started(pid: pid)

        var stdout: [UInt8] = []
        var stderr: [UInt8] = []
        readUntilEnd(out: outPipe[0], err: errPipe[0], stdout: &stdout, stderr: &stderr, timeout: timeout, control: control)

        // Wait for the exit without reaping, mark the group dead, then reap.
        var info = siginfo_t()
        while waitid(P_PID, id_t(pid), &info, WEXITED | WNOWAIT) != 0 && errno == EINTR {}
        control.exited()
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}

        let termination: ProcessOutcome.Termination =
            (status & 0x7f) == 0 ? .exited((status >> 8) & 0xff) : .signaled(status & 0x7f)
        return .success(
            ProcessOutcome(
                termination: termination, stdout: stdout, stderr: stderr, timedOut: control.hasTimedOut,
                cancelled: control.wasCancelled))
    }

    private static func spawn(_ argv: [String], stdout: Int32, stderr: Int32) -> Result<pid_t, SpawnError> {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, stdout, 1)
        posix_spawn_file_actions_adddup2(&actions, stderr, 2)
        closeInheritable(&actions)

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        // Own process group (pgid = child's pid), nothing blocked, every signal at its default action.
        posix_spawnattr_setflags(
            &attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        posix_spawnattr_setpgroup(&attributes, 0)
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        var allSignals = sigset_t()
        sigfillset(&allSignals)
        sigdelset(&allSignals, SIGKILL)
        sigdelset(&allSignals, SIGSTOP)
        posix_spawnattr_setsigdefault(&attributes, &allSignals)

        var cArgs: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) }
        cArgs.append(nil)
        defer { for arg in cArgs { free(arg) } }

        guard let program = resolve(argv[0]) else { return .failure(SpawnError(program: argv[0], errno: ENOENT)) }
        // nmap gets the environment without nmap2mqtt's own variables (NMAP2MQTT_MQTT_PASSWORD):
        // NSE scripts and anything that reads /proc/PID/environ would see them.
        var environment: [UnsafeMutablePointer<CChar>?] = ProcessInfo.processInfo.environment
            .filter { !$0.key.hasPrefix("NMAP2MQTT_") }
            .map { strdup("\($0.key)=\($0.value)") }
        environment.append(nil)
        defer { for entry in environment { free(entry) } }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, program, &actions, &attributes, cArgs, environment)
        guard rc == 0 else { return .failure(SpawnError(program: argv[0], errno: rc)) }
        return .success(pid)
    }

    /// The program to run: a name without a slash is looked up in PATH, like a shell would, but a
    /// directory we may not read (root's home in PATH for a service user) is skipped instead of
    /// turning "not found" into "permission denied" as posix_spawnp does.
    static func resolve(_ program: String) -> String? {
        if program.contains("/") { return program }
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        for directory in path.split(separator: ":", omittingEmptySubsequences: true) {
            let candidate = "\(directory)/\(program)"
            var info = stat()
            if stat(candidate, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG, access(candidate, X_OK) == 0 {
                return candidate
            }
        }
        return nil
    }

    private static func readUntilEnd(
        out: Int32, err: Int32, stdout: inout [UInt8], stderr: inout [UInt8], timeout: Duration,
        control: ProcessControl
    ) {
        let clock = ContinuousClock()
        var deadline = clock.now.advanced(by: timeout)
        var killed = false
        var fds = [pollfd(fd: out, events: Int16(POLLIN), revents: 0), pollfd(fd: err, events: Int16(POLLIN), revents: 0)]
        var buffer = [UInt8](repeating: 0, count: 65536)
        defer {
            for entry in fds where entry.fd >= 0 { close(entry.fd) }
        }
        while fds.contains(where: { $0.fd >= 0 }) {
            let remaining = clock.now.duration(to: deadline)
            if remaining <= .zero {
                if killed { return } // something outside the group holds the pipes; give up on them
                control.timeOut()
                killed = true
                deadline = clock.now.advanced(by: drainAfterKill)
                continue
            }
            if !killed && control.wasCancelled {
                killed = true
                deadline = clock.now.advanced(by: drainAfterKill)
            }
            let milliseconds = Int32(clamping: remaining.components.seconds * 1000 + remaining.components.attoseconds / 1_000_000_000_000_000 + 1)
            let ready = poll(&fds, nfds_t(fds.count), min(milliseconds, 1000))
            if ready < 0 {
                if errno == EINTR { continue }
                return
            }
            if ready == 0 { continue }
            for index in fds.indices where fds[index].fd >= 0 && fds[index].revents != 0 {
                let n = buffer.withUnsafeMutableBytes { read(fds[index].fd, $0.baseAddress, $0.count) }
                if n > 0 {
                    if index == 0 {
                        stdout.append(contentsOf: buffer[0..<n])
                    } else {
                        stderr.append(contentsOf: buffer[0..<n])
                    }
                } else if n == 0 || (errno != EINTR && errno != EAGAIN) {
                    close(fds[index].fd)
                    fds[index].fd = -1
                }
            }
        }
    }
}
