import Foundation
import Glibc
import Logging
import Testing

@testable import NmapScanner

/// The steps of `probe(address:witnesses:)` and how their results combine, against a fake nmap (a
/// shell script that logs its argv and answers from a plan), so no network and no root are needed.
/// The same with real nmap on a test LAN is in LANProbeTests.
@Suite struct ProbeSequenceTests {
    let logger = Logger(label: "test")
    static let device = "198.51.100.7"
    static let witness = "198.51.100.8"

    /// A fake nmap in a fresh directory. Discovery run N answers with plan line N: `IP=MAC` words
    /// (the hosts up), `FAIL` (exit 2), or nothing (nobody up). The wake-up (`-sU`) reports no host,
    /// or refuses as nmap does without raw sockets when `refuseUDP` is set.
    struct FakeNmap {
        let directory: URL
        var path: String { directory.appendingPathComponent("nmap").path }

        init(plan: [String], refuseUDP: Bool = false) throws {
            directory = FileManager.default.temporaryDirectory.appendingPathComponent("fake-nmap-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            try (plan.joined(separator: "\n") + "\n").write(
                to: directory.appendingPathComponent("plan"), atomically: true, encoding: .utf8)
            let script = """
                #!/bin/bash
                [ "$1" = --ready ] && exit 0
                dir=$(dirname "$0")
                echo "$*" >>"$dir/calls"
                if [[ " $* " == *" -sU "* ]]; then
                  if [ \(refuseUDP ? 1 : 0) = 1 ]; then
                    echo "You requested a scan type which requires root privileges." >&2; echo "QUITTING!" >&2; exit 1
                  fi
                  up=""
                else
                  n=$(grep -vc -- "-sU" "$dir/calls")
                  up=$(sed -n "${n}p" "$dir/plan")
                fi
                if [ "$up" = FAIL ]; then echo "fake nmap broke" >&2; exit 2; fi
                echo '<?xml version="1.0"?><nmaprun scanner="nmap" args="fake">'
                for host in $up; do
                  echo "<host><status state=\\"up\\" reason=\\"arp-response\\"/><address addr=\\"${host%%=*}\\" addrtype=\\"ipv4\\"/><address addr=\\"${host#*=}\\" addrtype=\\"mac\\"/></host>"
                done
                echo '<runstats><finished time="1" elapsed="0.1" exit="success"/><hosts up="0" down="0" total="0"/></runstats></nmaprun>'
                """
            try Self.writeExecutable(script, to: path)
        }

        /// Written through a close-on-exec descriptor: a child that other tests spawn meanwhile must
        /// not inherit it open for writing, or running the script fails with ETXTBSY ("text file
        /// busy") for as long as that child lives.
        static func writeExecutable(_ text: String, to path: String) throws {
            let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o755)
            guard fd >= 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
            defer { close(fd) }
            let bytes = Array(text.utf8)
            guard bytes.withUnsafeBytes({ write(fd, $0.baseAddress, $0.count) }) == bytes.count else {
                throw POSIXError(.EIO)
            }
        }

        /// Waits out a spawn elsewhere that still holds the file from before close-on-exec applied.
        func waitUntilRunnable() async throws {
            for _ in 0..<100 {
                switch await ProcessRunner.run([path, "--ready"], timeout: .seconds(10)) {
                case .success: return
                case .failure(let error) where error.errno == ETXTBSY: try await Task.sleep(for: .milliseconds(20))
                case .failure(let error): throw POSIXError(POSIXErrorCode(rawValue: error.errno) ?? .EIO)
                }
            }
            throw POSIXError(.ETXTBSY)
        }

        /// Every argv it was run with, in order.
        var calls: [String] {
            let text = (try? String(contentsOf: directory.appendingPathComponent("calls"), encoding: .utf8)) ?? ""
            return text.split(separator: "\n").map(String.init)
        }
        var wakes: Int { calls.filter { $0.contains("-sU") }.count }
        var discoveries: Int { calls.filter { !$0.contains("-sU") }.count }

        func remove() { try? FileManager.default.removeItem(at: directory) }
    }

    func scanner(_ fake: FakeNmap, wakeInterval: Duration = .seconds(60), options: String = "-sn") async throws -> NmapScanner {
        try await fake.waitUntilRunnable()
        return try NmapScanner(
            configuration: ScannerConfiguration(
                targets: ["198.51.100.0/24"], scanOptions: options, nmapPath: fake.path, timeout: .seconds(20),
                excludeOwnAddresses: false, neighbourTablePath: "/nonexistent", wakeInterval: wakeInterval),
            logger: logger)
    }

    let deviceUp = "\(device)=3C:22:FB:10:00:11"
    let witnessUp = "\(witness)=B8:27:EB:10:00:12"

    @Test func wakesThenStopsAtTheFirstAnswer() async throws {
        let fake = try FakeNmap(plan: [witnessUp, "\(deviceUp) \(witnessUp)", deviceUp])
        defer { fake.remove() }
        let report = await (try await scanner(fake)).probe(address: Self.device, witnesses: [Self.witness])
        #expect(report == .answered(mac: "3c:22:fb:10:00:11"))
        #expect(fake.calls.count == 3)
        #expect(fake.calls.first == "-oX - -n -Pn --disable-arp-ping -sU -p 5353 --max-retries 0 --host-timeout 2s \(Self.device)")
        #expect(fake.calls.dropFirst().allSatisfy { $0 == "-oX - -sn -n \(Self.device) \(Self.witness)" })
    }

    /// The caller decides what an answer from another MAC means (the address was handed on).
    @Test func answerFromAnotherMACIsReportedAsSeen() async throws {
        let fake = try FakeNmap(plan: ["\(Self.device)=00:12:F0:10:00:14"])
        defer { fake.remove() }
        #expect(await (try await scanner(fake)).probe(address: Self.device, witnesses: []) == .answered(mac: "00:12:f0:10:00:14"))
    }

    @Test func silenceWhileAWitnessAnswersIsNoAnswer() async throws {
        // The witness answers in one round only: that is enough.
        let fake = try FakeNmap(plan: ["", witnessUp, ""])
        defer { fake.remove() }
        #expect(await (try await scanner(fake)).probe(address: Self.device, witnesses: [Self.witness, "198.51.100.9"]) == .noAnswer)
        #expect(fake.discoveries == 3)
    }

    @Test func silenceWithoutWitnessesIsNoAnswer() async throws {
        let fake = try FakeNmap(plan: ["", "", ""])
        defer { fake.remove() }
        #expect(await (try await scanner(fake)).probe(address: Self.device, witnesses: []) == .noAnswer)
        #expect(fake.discoveries == 3)
    }

    @Test func silenceOfEveryoneIsUnwitnessed() async throws {
        let fake = try FakeNmap(plan: ["", "", ""])
        defer { fake.remove() }
        let started = ContinuousClock.now
        #expect(await (try await scanner(fake)).probe(address: Self.device, witnesses: [Self.witness]) == .unwitnessed)
        #expect(fake.discoveries == 3)
        #expect(ContinuousClock.now - started >= .milliseconds(1400)) // two pauses of 0.7 s
    }

    @Test func aFailedRunEndsTheProbeAtOnce() async throws {
        let fake = try FakeNmap(plan: ["", "FAIL", ""])
        defer { fake.remove() }
        let report = await (try await scanner(fake)).probe(address: Self.device, witnesses: [Self.witness])
        guard case .failed(let failure) = report else {
            Issue.record("\(report)")
            return
        }
        #expect(failure.kind == .nonZeroExit(2))
        #expect(failure.stderr.contains("fake nmap broke"))
        #expect(fake.discoveries == 2)
    }

    @Test func wakeUpIsRateLimitedPerDevice() async throws {
        let fake = try FakeNmap(plan: Array(repeating: deviceUp, count: 4))
        defer { fake.remove() }
        let scanner = try await scanner(fake)
        _ = await scanner.probe(address: Self.device, witnesses: [])
        _ = await scanner.probe(address: Self.device, witnesses: [])
        let copy = scanner // copies share the memory
        _ = await copy.probe(address: " 198.51.100.7", witnesses: [])
        #expect(fake.wakes == 1)
        _ = await scanner.probe(address: Self.witness, witnesses: [])
        #expect(fake.wakes == 2)
    }

    @Test func withoutRawSocketsWakingStopsAfterTheFirstRefusal() async throws {
        let fake = try FakeNmap(plan: Array(repeating: deviceUp, count: 3), refuseUDP: true)
        defer { fake.remove() }
        let scanner = try await scanner(fake, wakeInterval: .zero)
        for _ in 0..<3 {
            #expect(await scanner.probe(address: Self.device, witnesses: []) == .answered(mac: "3c:22:fb:10:00:11"))
        }
        #expect(fake.wakes == 1)
        #expect(fake.discoveries == 3)

        // --unprivileged: nmap would refuse, so it is not even asked.
        let unprivileged = try FakeNmap(plan: [deviceUp])
        defer { unprivileged.remove() }
        _ = await (try await self.scanner(unprivileged, wakeInterval: .zero, options: "--unprivileged -sn")).probe(
            address: Self.device, witnesses: [])
        #expect(unprivileged.wakes == 0)
    }

    @Test func cancellationStopsBetweenAttempts() async throws {
        let fake = try FakeNmap(plan: ["", "", ""])
        defer { fake.remove() }
        let scanner = try await scanner(fake)
        let task = Task { await scanner.probe(address: Self.device, witnesses: [Self.witness]) }
        try await Task.sleep(for: .milliseconds(900)) // inside the first pause, or just after
        task.cancel()
        let report = await task.value
        guard case .failed(let failure) = report else {
            Issue.record("\(report)")
            return
        }
        #expect(failure.kind == .cancelled)
        #expect(fake.discoveries < 3)
    }
}
