import Foundation
import Glibc
import Testing

@testable import NmapScanner

/// The runner with ordinary programs (sh, cat, sleep): what it promises about process groups, signal
/// masks, timeouts and cancellation. The same paths with real nmap are in LANScanTests.
@Suite struct ProcessRunnerTests {
    func run(_ script: String, timeout: Duration = .seconds(10)) async throws -> ProcessOutcome {
        try await ProcessRunner.run(["/bin/sh", "-c", script], timeout: timeout).get()
    }

    @Test func readsAllOfStdoutAndStderr() async throws {
        let outcome = try await run("head -c 1000000 /dev/zero; echo oops >&2; exit 3")
        #expect(outcome.stdout.count == 1_000_000)
        #expect(String(decoding: outcome.stderr, as: UTF8.self) == "oops\n")
        #expect(outcome.termination == .exited(3))
        #expect(!outcome.timedOut && !outcome.cancelled)
    }

    /// Own process group, nothing blocked, nothing ignored, stdin empty.
    @Test func childStartsClean() async throws {
        let outcome = try await run(
            "echo pid $$; grep -E '^(SigBlk|SigIgn)' /proc/self/status; cut -d' ' -f5 /proc/self/stat; cat")
        let lines = String(decoding: outcome.stdout, as: UTF8.self).split(separator: "\n").map(String.init)
        #expect(lines.count == 4)
        let pid = try #require(lines.first?.split(separator: " ").last.map(String.init))
        #expect(lines.contains("SigBlk:\t0000000000000000"))
        // No standard signal (1-31) ignored. glibc's posix_spawn leaves its two internal signals
        // (32, 33: thread cancellation and setxid) ignored in every child; the child's libc takes
        // them back when it needs them.
        let ignored = try #require(lines.first { $0.hasPrefix("SigIgn:") }.flatMap { UInt64($0.dropFirst(8), radix: 16) })
        #expect(ignored & 0x7fff_ffff == 0, "SigIgn \(String(ignored, radix: 16))")
        #expect(lines[3] == pid) // grep's process group is the shell's pid
    }

    @Test func timeoutKillsTheWholeGroup() async throws {
        let started = ContinuousClock.now
        // The grandchild holds stdout open: only killing the group ends the run.
        let outcome = try await run("sleep 300 & echo $!; wait", timeout: .milliseconds(300))
        // Not a speed check: far less than the 300 s the group would live if it were not killed.
        #expect(ContinuousClock.now - started < .seconds(60))
        #expect(outcome.timedOut)
        #expect(outcome.termination == .signaled(SIGKILL))
        let grandchild = try #require(pid_t(String(decoding: outcome.stdout, as: UTF8.self).trimmingWhitespace()))
        try await Task.sleep(for: .milliseconds(100))
        #expect(isGone(grandchild))
    }

    /// Gone, or a zombie waiting for a parent that will never wait (here PID 1 may not reap).
    func isGone(_ pid: pid_t) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8) else { return true }
        guard let close = stat.lastIndex(of: ")") else { return false }
        return stat[stat.index(close, offsetBy: 2)] == "Z"
    }

    @Test func cancellationKillsTheGroup() async throws {
        let pidFile = NSTemporaryDirectory() + "cancel-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: pidFile) }
        let task = Task { try await run("sleep 300 & echo $! > \(pidFile); sleep 300; wait") }
        // Cancel only once the group is surely running (a loaded machine may take a while to spawn).
        var grandchild: pid_t?
        for _ in 0..<600 where grandchild == nil {
            try await Task.sleep(for: .milliseconds(50))
            grandchild = (try? String(contentsOfFile: pidFile, encoding: .utf8)).flatMap { pid_t($0.trimmingWhitespace()) }
        }
        let running = try #require(grandchild, "the script never started")
        let started = ContinuousClock.now
        task.cancel()
        let outcome = try await task.value
        // Not a speed check: far less than the 300 s the group would live if it were not killed.
        #expect(ContinuousClock.now - started < .seconds(60))
        #expect(outcome.cancelled)
        #expect(outcome.termination == .signaled(SIGKILL))
        try await Task.sleep(for: .milliseconds(100))
        #expect(isGone(running))
    }

    @Test func cancelledBeforeStartNeverSpawns() async throws {
        let task = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            return try await run("echo started")
        }
        let outcome = try await task.value
        #expect(outcome.cancelled)
        #expect(outcome.termination == nil)
        #expect(outcome.stdout.isEmpty)
    }

    @Test func killedBySomeoneElse() async throws {
        let outcome = try await run("kill -TERM $$")
        #expect(outcome.termination == .signaled(SIGTERM))
        #expect(!outcome.timedOut)
    }

    @Test func missingAndNonExecutablePrograms() async throws {
        let missing = await ProcessRunner.run(["/nonexistent/nmap", "-V"], timeout: .seconds(5))
        #expect(throws: SpawnError.self) { try missing.get() }
        if case .failure(let error) = missing { #expect(error.errno == ENOENT) }

        let onPath = await ProcessRunner.run(["nmap2mqtt-no-such-program"], timeout: .seconds(5))
        if case .failure(let error) = onPath { #expect(error.errno == ENOENT) } else { Issue.record("spawned") }

        let notExecutable = await ProcessRunner.run([Fixture.url("root-sn.xml").path], timeout: .seconds(5))
        if case .failure(let error) = notExecutable { #expect(error.errno == EACCES) } else { Issue.record("spawned") }
    }

    /// The scanner turns these into failures that say what happened.
    @Test func scannerReportsProcessFailures() async throws {
        func scan(_ nmapPath: String, timeout: Duration = .seconds(10)) async throws -> ScanFailure? {
            let scanner = try NmapScanner(
                configuration: ScannerConfiguration(targets: ["127.0.0.1"], nmapPath: nmapPath, timeout: timeout),
                logger: .init(label: "test"))
            return await scanner.scan().failure
        }
        let missing = try #require(try await scan("/nonexistent/nmap"))
        #expect(missing.kind == .nmapNotFound)
        #expect(missing.message.contains("/nonexistent/nmap") && missing.message.contains("no file at that path"))
        let notOnPath = try #require(try await scan("nmap2mqtt-no-such-nmap"))
        #expect(notOnPath.kind == .nmapNotFound && notOnPath.message.contains("not on PATH"))
        let notExecutable = try #require(try await scan(Fixture.url("root-sn.xml").path))
        #expect(notExecutable.kind == .nmapNotExecutable)
        // /bin/false exits 1 without output.
        let nonZero = try #require(try await scan("/bin/false"))
        #expect(nonZero.kind == .nonZeroExit(1))
        // /bin/true exits 0 without output: no XML is not "nobody is here".
        let empty = try #require(try await scan("/bin/true"))
        #expect(empty.kind == .incompleteXML)
        // /bin/sleep gets "-oX" as its argument and fails; `cat` echoes nothing useful either.
        let echo = try #require(try await scan("/bin/echo"))
        #expect(echo.kind == .invalidXML)
    }
}
