import Foundation
import NetworkAddresses

extension NmapScanner {
    /// A saved `nmap -oX` document as a report, for `scan --xml` and benchmarks: parsed like nmap's
    /// stdout, vendors filled in from nmap-mac-prefixes and randomised MACs flagged. The neighbour
    /// table is not read: it describes the network now, not when the file was written.
    public static func report(
        fromSavedXML bytes: [UInt8], macPrefixesPath: String = ScannerConfiguration(targets: []).macPrefixesPath
    ) -> ScanReport {
        bytes.withUnsafeBufferPointer { report(parsing: $0, macPrefixesPath: macPrefixesPath) }
    }

    /// The saved document at `path` as a report (see ``report(fromSavedXML:macPrefixesPath:)``), or nil
    /// when the file cannot be read. Files of any size are read whole.
    public static func report(
        fromSavedXMLAt path: String, macPrefixesPath: String = ScannerConfiguration(targets: []).macPrefixesPath
    ) -> ScanReport? {
        FileReader.withContents(path: path) { report(parsing: $0, macPrefixesPath: macPrefixesPath) }
    }

    private static func report(parsing bytes: UnsafeBufferPointer<UInt8>, macPrefixesPath: String) -> ScanReport {
        let run: NmapRun
        switch NmapXMLParser.parse(buffer: bytes) {
        case .success(let parsed): run = parsed
        case .failure(let error): return .failed(error)
        }
        // Read only for a MAC nmap named no vendor for: a root scan names them all, and loading the
        // table (32,000 lines) cost as much as parsing a /16 sweep.
        let vendors = VendorTableCache(path: macPrefixesPath)
        let hosts = run.hosts.map { host in
            var host = host
            if let mac = host.mac {
                host.randomizedMAC = MACAddress(mac)?.isLocallyAdministered ?? false
                // A randomised MAC has no vendor whatever the table says (MACVendorTable.vendor(of:)).
                if host.vendor == nil && !host.randomizedMAC { host.vendor = vendors.get()?.vendor(of: mac) }
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
