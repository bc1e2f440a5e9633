import Foundation
import Synchronization

/// A LAN of network namespaces built by `scripts/testlan.sh`: a bridge, a scanner namespace and six
/// hosts with fixed MACs at 198.18.42.11-16 (a range this machine is not on; testlan.sh checks). nmap runs inside the scanner namespace only (through
/// `nmapWrapper`), so tests never touch a real network.
///
/// Build one per test with a unique name (`TestLAN.uniqueName`), so tests can run in parallel, and
/// remove it even when the test fails (`TestLAN.with`).
public struct TestLAN: Sendable {
    public struct Host: Sendable, Equatable {
        /// 1...6
        public var index: Int
        public var namespace: String
        public var ip: String
        /// Lower-case, colon-separated.
        public var mac: String
        /// What nmap-mac-prefixes says for the MAC, nil when it has nothing.
        public var vendor: String?
        /// The name the scanner namespace's /etc/hosts gives the host.
        public var hostName: String
        /// The TCP port the host listens on, if any.
        public var port: Int?

        /// Locally administered (a phone's random MAC).
        public var randomizedMAC: Bool {
            guard let first = UInt8(mac.prefix(2), radix: 16) else { return false }
            return first & 0x02 != 0
        }
    }

    /// How the nmap wrapper runs nmap inside the scanner namespace.
    public enum WrapperMode: String, Sendable {
        /// As root: raw sockets, MACs in the XML.
        case root
        /// As nobody without capabilities: TCP connect only, no MACs.
        case unprivileged
        /// As nobody with CAP_NET_RAW in its ambient set (nmap needs `--privileged` to use it).
        case netRaw = "net-raw"
    }

    /// A further scanner namespace on the lab's switch (``addScanner(_:)``): a second node that sees
    /// the same segment.
    public struct Scanner: Sendable, Equatable {
        /// 2...9; the lab's own scanner is 1.
        public var index: Int
        public var namespace: String
        public var ip: String
        public var mac: String
    }

    public let name: String
    /// 1...9: which subnet and MACs the lab has (`testlan.sh up LAB SEGMENT`); labs of different
    /// segments are different LANs with different devices.
    public let segment: Int
    public let scannerNamespace: String
    public let scannerIP: String
    public let scannerMAC: String
    /// The scanner namespace's /proc/net/arp, readable from the root namespace.
    public let neighbourTablePath: String
    public let hosts: [Host]

    /// The lab's /24, the only thing a test may scan (through the lab's nmap wrapper).
    public var subnet: String {
        let parts = scannerIP.split(separator: ".")
        return parts.prefix(3).joined(separator: ".") + ".0/24"
    }

    /// The host with this index (1...6).
    public func host(_ index: Int) -> Host {
        guard let host = hosts.first(where: { $0.index == index }) else {
            preconditionFailure("lab \(name) has no host \(index)")
        }
        return host
    }

    // MARK: Availability

    /// Why labs cannot be built here, or nil when they can (root, `ip`, `nmap`, `python3`, `setpriv`,
    /// and permission to create a network namespace). Checked once, by actually creating one.
    public static let unavailableReason: String? = {
        do {
            let output = try runSync([scriptPath, "check"])
            return output.status == 0 ? nil : "no test LAN here: \(output.text.trimmingCharacters(in: .whitespacesAndNewlines))"
        } catch {
            return "no test LAN here: \(error)"
        }
    }()

    public static var isAvailable: Bool { unavailableReason == nil }

    /// CI (env CI=true) runs as root: there a LAN that cannot be built is a failure, not a skip.
    public static var isCI: Bool { ProcessInfo.processInfo.environment["CI"] == "true" }

    /// For `.enabled(if: TestLAN.shouldRun)`: true where a lab can be built, and always on CI, so that
    /// there the tests run and fail with the reason instead of skipping.
    public static var shouldRun: Bool { isAvailable || isCI }

    /// A short lab name (at most 6 characters, so interface names stay within 15) unlikely to clash with
    /// another test's lab.
    public static func uniqueName(prefix: String = "t") -> String {
        let letters = Array("abcdefghijklmnopqrstuvwxyz0123456789")
        let head = String(prefix.lowercased().prefix(2))
        return head + String((0..<(6 - head.count)).map { _ in letters.randomElement()! })
    }

    // MARK: Lifecycle

    /// Builds lab `name` (removing any leftover of the same name first). Segment 1 is 198.18.42.0/24
    /// with the hosts' usual MACs; segment N is 198.18.(41+N).0/24 with N-1 in the fifth byte of
    /// every host's MAC, and its host names end in `-sN`.
    public static func up(name: String, segment: Int = 1) async throws -> TestLAN {
        if let reason = unavailableReason { throw TestLANError(command: "up \(name)", status: -1, output: reason) }
        let output = try await run(["up", name] + (segment == 1 ? [] : [String(segment)]))
        return try parse(facts: output, name: name, segment: segment)
    }

    /// Adds scanner namespace `index` (2...9) on the lab's switch, at `.index` of the subnet: it sees
    /// the lab's hosts, and the other scanners (MACs 02:00:00:00:00:0K) see it.
    public func addScanner(_ index: Int) async throws -> Scanner {
        let output = try await Self.run(["scanner", name, String(index)])
        for line in output.split(separator: "\n") {
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false)
            if fields.first == "scanner_extra", fields.count >= 5, Int(fields[1]) == index {
                return Scanner(index: index, namespace: String(fields[2]), ip: String(fields[3]), mac: String(fields[4]))
            }
        }
        throw TestLANError(command: "scanner \(name) \(index)", status: 0, output: "unexpected facts:\n\(output)")
    }

    /// Builds a lab, runs `body`, and removes the lab whether `body` succeeds or throws.
    public static func with<T: Sendable>(
        name: String = uniqueName(), _ body: (TestLAN) async throws -> T
    ) async throws -> T {
        let lab = try await up(name: name)
        do {
            let result = try await body(lab)
            try await lab.down()
            return result
        } catch {
            try? await lab.down()
            throw error
        }
    }

    /// Host `index` drops off the LAN (its link is deleted).
    public func leave(_ index: Int) async throws {
        _ = try await Self.run(["leave", name, String(index)])
    }

    /// Host `index` comes back with the same MAC and IP.
    public func join(_ index: Int) async throws {
        _ = try await Self.run(["join", name, String(index)])
    }

    /// Host `index` walks over to `other`'s switch (another segment): its link here goes, a new one
    /// joins `other` with the same MAC at `other`'s subnet `.(20 + index)`. Returns that address.
    /// Removed with either lab.
    @discardableResult
    public func roam(_ index: Int, to other: TestLAN) async throws -> String {
        try await Self.run(["roam", name, String(index), other.name]).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// The lab's switch stops forwarding (`on: false`: its bridge goes down, every link stays up) or
    /// forwards again: everyone falls silent at once, as when a switch or access point reboots.
    public func setSwitch(on: Bool) async throws {
        // The lab's name is [a-z0-9]{1,6} (testlan.sh checks), so it is safe in a command line.
        _ = try await Self.runProgram(["-c", "ip -n \(name)-br link set br0 \(on ? "up" : "down")"])
    }

    /// Whether the scanner's own link (its eth0) is up with a carrier: while the switch is off it must
    /// stay so, or the lab shows a bridge whose own cable was pulled rather than a silent network.
    public func scannerLinkIsUp() async throws -> Bool {
        let flags = try await Self.runProgram(["-c", "ip -n \(scannerNamespace) -o link show eth0"])
        return flags.contains("LOWER_UP") && flags.contains("state UP")
    }

    /// Writes an executable at `path` that runs nmap inside the scanner namespace (`scanner` 1), or
    /// inside one added with ``addScanner(_:)``, for `nmapPath`.
    public func nmapWrapper(path: String, mode: WrapperMode = .root, scanner: Int = 1) async throws {
        _ = try await Self.run(["nmap-wrapper", name, path, mode.rawValue] + (scanner == 1 ? [] : [String(scanner)]))
    }

    /// Processes running in the scanner namespace besides the lab's own holder: after a killed scan,
    /// none should be left.
    public func scannerProcesses() async throws -> [Int32] {
        try await Self.run(["pids", name]).split(whereSeparator: \.isWhitespace).compactMap { Int32($0) }
    }

    /// Removes everything the lab made. Safe to call twice.
    public func down() async throws {
        _ = try await Self.run(["down", name])
    }

    /// Removes everything lab `name` made, also after an `up` that failed half-way. Safe to call twice.
    public static func down(name: String) async throws {
        _ = try await run(["down", name])
    }

    // MARK: Script

    /// The repository root, found from this file's place in it.
    public static let repositoryRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent() // TestSupport
        .deletingLastPathComponent() // Tests
        .deletingLastPathComponent()

    public static var scriptPath: String { repositoryRoot.appendingPathComponent("scripts/testlan.sh").path }

    static func parse(facts: String, name: String, segment: Int) throws -> TestLAN {
        var scanner: [Substring]?
        var neighbourTable: String?
        var hosts: [Host] = []
        for line in facts.split(separator: "\n") {
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false)
            switch fields.first {
            case "scanner" where fields.count >= 5:
                scanner = fields
            case "neighbour_table" where fields.count >= 2:
                neighbourTable = String(fields[1])
            case "host" where fields.count >= 8:
                guard let index = Int(fields[1]) else { continue }
                hosts.append(
                    Host(
                        index: index, namespace: String(fields[2]), ip: String(fields[3]), mac: String(fields[4]),
                        vendor: fields[5] == "-" ? nil : String(fields[5]), hostName: String(fields[6]),
                        port: Int(fields[7])))
            default:
                continue
            }
        }
        guard let scanner, let neighbourTable, !hosts.isEmpty else {
            throw TestLANError(command: "up \(name)", status: 0, output: "unexpected facts:\n\(facts)")
        }
        return TestLAN(
            name: name, segment: segment, scannerNamespace: String(scanner[1]), scannerIP: String(scanner[2]),
            scannerMAC: String(scanner[3]), neighbourTablePath: neighbourTable, hosts: hosts)
    }

    /// Runs the script off the cooperative pool: Process reports its end through terminationHandler.
    static func run(_ arguments: [String]) async throws -> String {
        try await runProgram([scriptPath] + arguments, describedAs: arguments.joined(separator: " "))
    }

    /// Runs `/bin/bash argv...` (a script, or `-c` and a command line) and returns what it printed.
    static func runProgram(_ argv: [String], describedAs description: String? = nil) async throws -> String {
        let output = try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Output, any Error>) in
            do {
                try start(argv) { continuation.resume(returning: $0) }
            } catch {
                continuation.resume(throwing: error)
            }
        }
        guard output.status == 0 else {
            throw TestLANError(command: description ?? argv.joined(separator: " "), status: output.status, output: output.text)
        }
        return output.text
    }

    struct Output: Sendable {
        var status: Int32
        var text: String
    }

    /// Runs `/bin/bash argv...` with posix_spawn and waits for it with waitpid(2) on its own thread.
    /// Not Foundation.Process: its terminationHandler was seen never to fire here (the children stayed
    /// zombies), and its children inherit a signal mask that blocks SIGTERM. Output goes to a file
    /// rather than a pipe: the lab's listeners outlive the script and must not hold a pipe open.
    private static func start(_ argv: [String], completion: @escaping @Sendable (Output) -> Void) throws {
        let outputPath = FileManager.default.temporaryDirectory
            .appendingPathComponent("testlan-\(UUID().uuidString).out").path
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outputPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        var none = sigset_t()
        sigemptyset(&none)
        posix_spawnattr_setsigmask(&attributes, &none)
        var all = sigset_t()
        sigfillset(&all)
        sigdelset(&all, SIGKILL)
        sigdelset(&all, SIGSTOP)
        posix_spawnattr_setsigdefault(&attributes, &all)
        var cArgs: [UnsafeMutablePointer<CChar>?] = (["/bin/bash"] + argv).map { strdup($0) }
        cArgs.append(nil)
        defer { for arg in cArgs { free(arg) } }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, "/bin/bash", &actions, &attributes, cArgs, environ)
        guard rc == 0 else {
            throw TestLANError(command: argv.joined(separator: " "), status: -1, output: String(cString: strerror(rc)))
        }
        let child = pid
        let thread = Thread {
            var status: Int32 = 0
            while waitpid(child, &status, 0) < 0 && errno == EINTR {}
            let text = (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
            try? FileManager.default.removeItem(atPath: outputPath)
            let exited = (status & 0x7f) == 0
            completion(Output(status: exited ? (status >> 8) & 0xff : 128 + (status & 0x7f), text: text))
        }
        thread.start()
    }

    /// Only for the one-time availability check, which Swift Testing evaluates synchronously.
    private static func runSync(_ argv: [String]) throws -> Output {
        let done = DispatchSemaphore(value: 0)
        let box = OutputBox()
        try start(argv) { output in
            box.output.withLock { $0 = output }
            done.signal()
        }
        done.wait()
        return box.output.withLock { $0 } ?? Output(status: -1, text: "no result")
    }

    private final class OutputBox: Sendable {
        let output = Mutex<Output?>(nil)
    }
}

/// A failed testlan.sh command, with what it printed.
public struct TestLANError: Error, CustomStringConvertible {
    public var command: String
    public var status: Int32
    public var output: String

    public var description: String {
        "testlan.sh \(command) failed (status \(status)): \(output.trimmingCharacters(in: .whitespacesAndNewlines))"
    }
}
