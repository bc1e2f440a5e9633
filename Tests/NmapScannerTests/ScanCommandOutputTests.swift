import Foundation
import TestSupport
import Testing

/// `nmap2mqtt scan --xml FILE [--json]`, the built executable run as a user runs it, prints what it
/// printed before it was made fast: Fixtures/scan-output holds the output of the build at commit
/// 52f18f3 (before TextTable lost Foundation's padding and the vendor table became lazy). One file
/// differs on purpose: in derived-table-edges.table.txt the emoji, combining-accent and wide cells are
/// laid out by terminal columns, where 52f18f3 padded by UTF-16 units and cut the last emoji in half.
@Suite("scan --xml prints what it always printed", .enabled(if: FileManager.default.fileExists(atPath: vendorTablePath)))
struct ScanCommandOutputTests {
    static let fixtures = [
        "derived-odd-names", "derived-table-edges", "root-sn", "root-fast", "unprivileged-fast",
        "root-sn-hostname-target", "netraw-privileged-sn", "root-sn-odd-names",
    ]

    /// The executable, built beside this target's resource bundle (`swift build --build-tests` builds both).
    static let executable = Bundle.module.bundleURL.deletingLastPathComponent().appendingPathComponent("nmap2mqtt").path

    @Test("the table and the JSON, byte for byte", arguments: fixtures)
    func sameOutput(fixture: String) async throws {
        for (mode, extra) in [("table", [String]()), ("json", ["--json"])] {
            let output = try await ChildProcess.run(Self.executable, ["scan", "--xml", Fixture.url("\(fixture).xml").path] + extra)
            let expected = try Fixture.text("scan-output/\(fixture).\(mode).txt")
            #expect(output == expected, "\(fixture) \(mode)")
        }
    }

    @Test("a file that cannot be read, or is not nmap XML, still fails as before")
    func failures() async throws {
        let log = NSTemporaryDirectory() + "nmap2mqtt-scan-failures-\(UUID().uuidString).out"
        defer { try? FileManager.default.removeItem(atPath: log) }
        let missing = try ChildProcess(Self.executable, ["scan", "--xml", "/nonexistent/scan.xml"], outputFile: log)
        #expect(await missing.waitForExit(within: .seconds(30)) == 64)
        #expect(missing.output.hasPrefix("Error: cannot read the XML file '/nonexistent/scan.xml'\n"))
        try FileManager.default.removeItem(atPath: log)
        let garbage = try ChildProcess(Self.executable, ["scan", "--xml", Fixture.url("garbage.bin").path], outputFile: log)
        #expect(await garbage.waitForExit(within: .seconds(30)) == 1)
        #expect(garbage.output.hasPrefix("nmap2mqtt: scan failed: nmap's output is not valid XML: the root element is <html>"))
    }
}

private let vendorTablePath = "/usr/share/nmap/nmap-mac-prefixes"
