import Foundation
import NmapScanner

/// The readable form of `nmap2mqtt scan`: one aligned row per host, then nmap's counts.
enum HostTable {
    static func render(_ result: ScanResult) -> String {
        let header = ["IP", "MAC", "VENDOR", "HOST NAME", "REASON"]
        let rows = result.hosts.map { host in
            [
                host.address,
                (host.mac ?? "-") + (host.randomizedMAC ? " (random)" : ""),
                host.vendor ?? "-",
                host.hostName ?? "-",
                host.reason,
            ]
        }
        var lines = [TextTable.render(header: header, rows: rows)]
        let stats = result.stats
        lines.append("")
        lines.append(
            "\(result.hosts.count) host\(result.hosts.count == 1 ? "" : "s") up; nmap counted \(stats.up) up, "
                + "\(stats.down) down of \(stats.total) in \(stats.elapsed) s")
        for warning in result.warnings { lines.append("nmap: \(warning)") }
        return lines.joined(separator: "\n")
    }
}
