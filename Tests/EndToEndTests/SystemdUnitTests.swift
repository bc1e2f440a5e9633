import Foundation
import TestSupport
import Testing

/// The shipped unit, checked by systemd's own parser. `systemd-analyze verify` runs on a copy whose
/// `ExecStart=` names the built executable (the installed path does not exist here); the user need not
/// exist. A misspelled directive or a bad value is only "ignoring" to systemd, so any line of output fails
/// the check, not only the exit status.
@Suite("systemd unit")
struct SystemdUnitTests {
    static let unitPath = TestLAN.repositoryRoot.appendingPathComponent("examples/systemd/nmap2mqtt.service").path
    static let installedExecStart = "ExecStart=/usr/local/bin/nmap2mqtt "

    @Test("systemd-analyze verify finds nothing wrong in examples/systemd/nmap2mqtt.service")
    func shippedUnit() async throws {
        let unit = try String(contentsOfFile: Self.unitPath, encoding: .utf8)
        let result = try await Self.verify(unit)
        #expect(result.status == 0 && result.output.isEmpty, "systemd-analyze verify (exit \(result.status)):\n\(result.output)")
    }

    @Test("the unit runs with the least it needs: CAP_NET_RAW only, exposure under 3 in systemd-analyze security")
    func leastPrivilege() async throws {
        let unit = try String(contentsOfFile: Self.unitPath, encoding: .utf8)
        for line in [
            "User=nmap2mqtt", "AmbientCapabilities=CAP_NET_RAW", "CapabilityBoundingSet=CAP_NET_RAW", "NoNewPrivileges=yes",
            "ProtectSystem=strict", "ProtectHome=yes", "PrivateTmp=yes", "StateDirectory=nmap2mqtt",
            "RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6 AF_NETLINK AF_PACKET", "SystemCallFilter=@system-service",
        ] {
            #expect(unit.split(separator: "\n").contains { $0 == line }, "the unit lacks \(line)")
        }
        guard let analyzer = try? ChildProcess.locate("systemd-analyze") else {
            throw EndToEndError("systemd-analyze is not installed: apt-get install systemd (scripts/install-deps installs it)")
        }
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let child = try ChildProcess(analyzer, ["security", "--offline=yes", Self.unitPath], outputFile: directory + "/security.out")
        guard await child.waitForExit(within: .seconds(30)) != nil else {
            await child.kill()
            throw EndToEndError("systemd-analyze security did not finish within 30 s")
        }
        let output = child.output
        let range = try #require(
            output.range(of: #"Overall exposure level for [^:]+: [0-9.]+"#, options: .regularExpression), "\(output.suffix(500))")
        let score = try #require(Double(output[range].split(separator: " ").last ?? ""))
        #expect(score < 3, "exposure \(score):\n\(output.split(separator: "\n").filter { $0.contains("✗") }.joined(separator: "\n"))")
    }

    struct Mistake: CustomTestStringConvertible, Sendable {
        var name: String
        var line: String
        var broken: String
        var testDescription: String { name }
    }

    /// Without this, a check that could not fail (a flag that silences systemd, a copy that is not read)
    /// would pass for ever.
    @Test(
        "A mistake in the unit fails the check",
        arguments: [
            Mistake(name: "a misspelled directive", line: "ProtectSystem=strict", broken: "ProtectSytem=strict"),
            Mistake(name: "a bad value", line: "RestartSec=10", broken: "RestartSec=ten"),
            Mistake(name: "a bad boolean", line: "NoNewPrivileges=yes", broken: "NoNewPrivileges=maybe"),
            Mistake(name: "a misspelled section", line: "[Service]", broken: "[Servce]"),
        ])
    func brokenUnit(_ mistake: Mistake) async throws {
        let unit = try String(contentsOfFile: Self.unitPath, encoding: .utf8)
        let lines = unit.split(separator: "\n", omittingEmptySubsequences: false)
        try #require(lines.contains { $0 == mistake.line }, "the unit has no line \(mistake.line)")
        let broken = lines.map { $0 == mistake.line ? mistake.broken : String($0) }.joined(separator: "\n")
        let result = try await Self.verify(broken)
        #expect(result.status != 0, "exit status for \(mistake.name); output:\n\(result.output)")
        #expect(result.output.contains("nmap2mqtt.service:"), "systemd-analyze names the bad line: \(result.output)")
    }

    /// Runs `systemd-analyze verify` on `unit`, with its installed executable replaced by the built one.
    static func verify(_ unit: String) async throws -> (status: Int32, output: String) {
        guard let analyzer = try? ChildProcess.locate("systemd-analyze") else {
            throw EndToEndError("systemd-analyze is not installed: apt-get install systemd (scripts/install-deps installs it)")
        }
        let executable = Daemon.executable
        try #require(FileManager.default.isExecutableFile(atPath: executable), "no built executable at \(executable): swift build --build-tests")
        try #require(unit.contains("\n" + installedExecStart), "the unit's ExecStart= no longer starts with \(installedExecStart)")
        let quoted = "\"" + executable.replacingOccurrences(of: "%", with: "%%") + "\" "
        let copy = unit.replacingOccurrences(of: "\n" + installedExecStart, with: "\nExecStart=" + quoted)

        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let unitCopy = directory + "/nmap2mqtt.service"
        try copy.write(toFile: unitCopy, atomically: true, encoding: .utf8)
        let outputFile = directory + "/verify.out"
        // --generators=no: generators need privileges and a running systemd; --recursive-errors=no: the
        // dependencies (network-online.target) are this machine's, not ours; --man=no: no man pages here.
        let child = try ChildProcess(
            analyzer, ["verify", "--man=no", "--generators=no", "--recursive-errors=no", unitCopy], outputFile: outputFile)
        guard let status = await child.waitForExit(within: .seconds(30)) else {
            await child.kill()
            throw EndToEndError("systemd-analyze verify did not finish within 30 s; output:\n\(child.output)")
        }
        return (status, child.output)
    }
}
