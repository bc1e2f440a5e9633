import Foundation
import TestSupport

#if canImport(Glibc)
import Glibc
#endif

/// A stand-in for nmap at `scan.nmap_path`: a shell script whose behaviour a test switches while the
/// daemon runs, to inject the faults real nmap cannot be made to show on demand.
///
/// It scans nothing by itself: `real` execs the test LAN's wrapper (nmap inside the lab's scanner
/// namespace), every other mode prints or does something canned. Each call is logged to `calls`.
struct StandInNmap {
    enum Mode: String {
        /// `exec` the lab's nmap wrapper (only when installed with a lab).
        case real
        /// Prints `scan.xml` (see ``serve(_:)``) and exits 0, like a scan that found those hosts; a
        /// re-probe (a run with `-n`) gets `probe.xml` instead while there is one (``serveProbes(_:)``).
        case xml
        /// Never ends: `exec sleep 3600`, so only the scan timeout stops it.
        case hang
        /// Exits 3 with a message on stderr and no XML.
        case fail
        /// Prints a line of HTML and random bytes, exit 0.
        case garbage
    }

    let directory: String
    var path: String { directory + "/nmap" }

    /// The six hosts of the captured lab scan (`Fixtures/root-sn.xml`), by device id.
    static let fixtureIDs = ["3c22fb100011", "b827eb100012", "025b26a8dc12", "0012f0100014", "f4f5d8100015", "00aabb100016"]

    static var fixtureXML: String {
        let url = Bundle.module.url(forResource: "root-sn", withExtension: "xml", subdirectory: "Fixtures")!
        return try! String(contentsOf: url, encoding: .utf8)
    }

    /// The captured scan with the hosts whose device id is in `omitting` left out.
    static func scan(omitting: Set<String> = []) -> String {
        var parts = fixtureXML.components(separatedBy: "<host>")
        let head = parts.removeFirst()
        var kept: [String] = []
        for part in parts {
            let id = part.range(of: #"addr="([0-9A-F:]{17})" addrtype="mac""#, options: .regularExpression)
                .map { String(part[$0].dropFirst(6).prefix(17)).lowercased().replacingOccurrences(of: ":", with: "") }
            if let id, omitting.contains(id) { continue }
            kept.append(part)
        }
        return ([head] + kept).joined(separator: "<host>")
    }

    /// Writes the script into `directory` (made if needed), in mode `xml` serving the captured scan.
    /// With `lab`, mode `real` runs nmap inside the lab.
    static func install(in directory: String, lab: TestLAN? = nil) async throws -> StandInNmap {
        let nmap = StandInNmap(directory: directory)
        if let lab {
            try await lab.nmapWrapper(path: directory + "/lab-nmap")
        }
        let garbage = Bundle.module.url(forResource: "garbage", withExtension: "bin", subdirectory: "Fixtures")!
        try FileManager.default.copyItem(atPath: garbage.path, toPath: directory + "/garbage.bin")
        let script = """
            #!/bin/sh
            # A stand-in for nmap written by nmap2mqtt's end-to-end tests (StandInNmap.swift).
            # A daemon run under libfaketime passes its environment on: start again without it, so that
            # nothing here (nor the lab's nmap) sees the faked clock.
            if [ -n "${LD_PRELOAD-}${FAKETIME-}${FAKETIME_TIMESTAMP_FILE-}" ]; then
              exec env -u LD_PRELOAD -u FAKETIME -u FAKETIME_TIMESTAMP_FILE -u FAKETIME_NO_CACHE -u FAKETIME_DONT_FAKE_MONOTONIC /bin/sh "$0" "$@"
            fi
            d='\(directory)'
            mode=$(cat "$d/mode" 2>/dev/null)
            echo "$mode $*" >>"$d/calls"
            case "$mode" in
            real) [ -x "$d/lab-nmap" ] || { echo "stand-in nmap: no lab" >&2; exit 97; }
                  exec "$d/lab-nmap" "$@" ;;
            xml) case " $* " in *" -n "*) [ -f "$d/probe.xml" ] && { cat "$d/probe.xml"; exit 0; } ;; esac
                 cat "$d/scan.xml"; exit 0 ;;
            hang) echo $$ >>"$d/hung"; exec sleep 3600 ;;
            fail) echo "stand-in nmap: Failed to open device eth9 (simulated failure)" >&2; exit 3 ;;
            garbage) cat "$d/garbage.bin"; exit 0 ;;
            *) echo "stand-in nmap: unknown mode '$mode'" >&2; exit 98 ;;
            esac

            """
        // Not Foundation's write: its descriptor is not close-on-exec, so a broker or daemon that another
        // test spawns at that moment inherits it, keeps the script open for writing, and every exec of
        // it then fails with ETXTBSY ("Text file busy").
        let fd = open(nmap.path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o755)
        guard fd >= 0 else { throw EndToEndError("cannot write \(nmap.path): errno \(errno)") }
        let bytes = Array(script.utf8)
        let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        close(fd)
        guard written == bytes.count else { throw EndToEndError("cannot write \(nmap.path): errno \(errno)") }
        try nmap.serve(scan())
        try nmap.set(.xml)
        return nmap
    }

    func set(_ mode: Mode) throws {
        try mode.rawValue.write(toFile: directory + "/mode", atomically: true, encoding: .utf8)
    }

    /// What mode `xml` prints from now on.
    func serve(_ xml: String) throws {
        try serve(Array(xml.utf8))
    }

    func serve(_ bytes: [UInt8]) throws {
        try Data(bytes).write(to: URL(fileURLWithPath: directory + "/scan.xml"), options: .atomic)
    }

    /// What re-probes (runs with `-n`) print in mode `xml` from now on, apart from the scans: a phone
    /// that answers every sweep but dozes through re-probes. nil: they print `scan.xml` again.
    func serveProbes(_ xml: String?) throws {
        let file = directory + "/probe.xml"
        if let xml {
            try Data(xml.utf8).write(to: URL(fileURLWithPath: file), options: .atomic)
        } else if FileManager.default.fileExists(atPath: file) {
            try FileManager.default.removeItem(atPath: file)
        }
    }

    /// nmap is missing: the script is moved away until ``restore()``.
    func hide() throws {
        try FileManager.default.moveItem(atPath: path, toPath: path + ".hidden")
    }

    func restore() throws {
        try FileManager.default.moveItem(atPath: path + ".hidden", toPath: path)
    }

    /// How many times the daemon ran it so far.
    var callCount: Int {
        ((try? String(contentsOfFile: directory + "/calls", encoding: .utf8)) ?? "").split(separator: "\n").count
    }

    var wasCalled: Bool { FileManager.default.fileExists(atPath: directory + "/calls") }

    /// The pids of the `hang` runs so far (each execs `sleep`, keeping its pid).
    var hungPIDs: [pid_t] {
        ((try? String(contentsOfFile: directory + "/hung", encoding: .utf8)) ?? "").split(separator: "\n").compactMap { pid_t($0) }
    }
}
