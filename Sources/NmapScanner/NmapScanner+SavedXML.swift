import NetworkAddresses
import Foundation

extension NmapScanner {
    /// A saved `nmap -oX` document as a report, for `scan --xml` and benchmarks: parsed like nmap's
    /// stdout, vendors filled in from nmap-mac-prefixes and randomised MACs flagged. The neighbour
    /// table is not read: it describes the network now, not when the file was written.
    public static func report(
        fromSavedXML bytes: [UInt8], macPrefixesPath: String = ScannerConfiguration(targets: []).macPrefixesPath
    ) -> ScanReport {
        let run: NmapRun
        do {
            run = try NmapXMLParser.parse(bytes)
        } catch {
            return .failed(error)
        }
        let vendors = MACVendorTable.load(path: macPrefixesPath)
        let hosts = run.hosts.map { host in
            var host = host
            if let mac = host.mac {
                host.randomizedMAC = MACAddress(mac)?.isLocallyAdministered ?? false
                if host.vendor == nil { host.vendor = vendors?.vendor(of: mac) }
            }
            return host
        }
        let started = run.startTime ?? Date()
        return .complete(
            ScanResult(
                startedAt: started, finishedAt: started.addingTimeInterval(run.stats.elapsed),
                argv: run.args.map { [$0] } ?? [], hosts: hosts, stats: run.stats))
    }
}
