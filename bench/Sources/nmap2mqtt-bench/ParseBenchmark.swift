import ArgumentParser
import Foundation
import Glibc
import NmapScanner

/// One parse of a saved `nmap -oX` file, timed in-process (the file is read first, as python-nmap
/// gets its XML as a string), with this process's peak memory afterwards.
struct ParseBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "parse", abstract: "Parse a saved nmap XML file once; print seconds, hosts up and peak memory.")

    @Argument(help: "An nmap -oX file.")
    var file: String

    func run() throws {
        let bytes = try Self.read(file)
        let beforeParse = ProcessMemory.current()
        let clock = ContinuousClock()
        let started = clock.now
        let run = try NmapXMLParser.parse(bytes)
        let took = clock.now - started
        let memory = ProcessMemory.current()
        JSONLine.print([
            "tool": "nmap2mqtt", "bytes": bytes.count, "seconds": took.seconds, "hosts_up": run.hosts.count,
            "hosts_down": run.hostsNotUp, "peak_rss_kib": memory.peakResidentKiB,
            "rss_before_parse_kib": beforeParse.residentKiB,
        ])
    }

    /// The whole file in one array, as the daemon holds nmap's stdout (reading through `Data` would keep a
    /// second copy).
    static func read(_ path: String) throws -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw ValidationError("cannot open \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw ValidationError("cannot stat \(path)") }
        let size = Int(info.st_size)
        return try [UInt8](unsafeUninitializedCapacity: size) { buffer, count in
            while count < size {
                let n = Glibc.read(fd, buffer.baseAddress! + count, size - count)
                if n > 0 {
                    count += n
                } else if n < 0 && errno == EINTR {
                    continue
                } else {
                    throw ValidationError("cannot read \(path): it ended after \(count) of \(size) bytes")
                }
            }
        }
    }
}
