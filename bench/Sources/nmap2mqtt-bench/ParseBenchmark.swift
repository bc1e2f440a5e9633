import ArgumentParser
import Foundation
import NmapScanner

/// One parse of a saved `nmap -oX` file, timed in-process (the file is read first, as python-nmap
/// gets its XML as a string), with this process's peak memory afterwards.
struct ParseBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "parse", abstract: "Parse a saved nmap XML file once; print seconds, hosts up and peak memory.")

    @Argument(help: "An nmap -oX file.")
    var file: String

    func run() throws {
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: file)))
        let clock = ContinuousClock()
        let started = clock.now
        let run = try NmapXMLParser.parse(bytes)
        let took = clock.now - started
        let memory = ProcessMemory.current()
        JSONLine.print([
            "tool": "nmap2mqtt", "bytes": bytes.count, "seconds": took.seconds, "hosts_up": run.hosts.count,
            "hosts_down": run.hostsNotUp, "peak_rss_kib": memory.peakResidentKiB,
        ])
    }
}
