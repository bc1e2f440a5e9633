import Foundation
import TestSupport
import Testing

/// nmap (and anything it runs) must not inherit the daemon's descriptors: libmosquitto's sockets are
/// not close-on-exec, and a child holding the live, authenticated broker connection could publish as
/// the bridge. A stand-in nmap lists its descriptors, then prints a captured scan.
@Suite("Descriptors nmap inherits")
struct InheritedDescriptorTests {
    @Test("nmap inherits only stdin, stdout and stderr from a daemon connected to its broker")
    func onlyTheStandardThree() async throws {
        try await withBridge(config: nil, startDaemon: false) { scene in
            let listing = scene.directory + "/fds"
            let fixture = scene.directory + "/scan.xml"
            try StandInNmap.scan().write(toFile: fixture, atomically: true, encoding: .utf8)
            let script = scene.directory + "/nmap-fds"
            // The listing is taken by the shell that nmap2mqtt started: its descriptors are the inherited ones,
            // plus the one the shell reads this script from (it points at the script, and is left out below).
            // The subshell lists its parent ($$ there is still the script's shell): a redirection in the shell
            // itself would make it hold a saved copy of stdout, and a pipeline the pipe, while ls looks.
            try """
            #!/bin/sh
            ( ls -l /proc/$$/fd > \(listing).raw )
            sed -n 's/.* \\([0-9]*\\) -> \\(.*\\)/\\1 \\2/p' \(listing).raw > \(listing).tmp
            mv \(listing).tmp \(listing)
            cat \(fixture)

            """.write(toFile: script, atomically: true, encoding: .utf8)
            chmod(script, 0o755)
            try scene.writeConfig(BridgeConfig(nmapPath: script))
            try scene.startDaemon()
            try await scene.watcher.waitForAll(StandInNmap.fixtureIDs) // connected, so its sockets are open
            try? FileManager.default.removeItem(atPath: listing)
            let deadline = ContinuousClock.now + .seconds(20)
            while !FileManager.default.fileExists(atPath: listing) {
                guard ContinuousClock.now < deadline else { throw EndToEndError("no scan listed its descriptors") }
                try await Task.sleep(for: .milliseconds(100))
            }
            let entries = try String(contentsOfFile: listing, encoding: .utf8).split(separator: "\n")
                .map { $0.split(separator: " ", maxSplits: 1).map(String.init) }
            let extra = entries.filter { entry in
                guard let fd = Int(entry[0]) else { return true }
                return fd > 2 && !(entry.count > 1 && entry[1] == script)
            }
            #expect(extra.isEmpty, "descriptors beyond 0, 1, 2: \(extra.map { $0.joined(separator: " -> ") })")
            #expect(entries.contains { $0[0] == "1" } && entries.contains { $0[0] == "2" })
        }
    }
}
