import NmapScanner

/// The daemon's network: one ``NmapScanner`` per scan target, each with that target's scan options,
/// excludes and timeout, so a target's scans and its devices' re-probes use its own settings.
struct TargetScanners: NetworkScanning {
    let scanners: [NmapScanner]

    /// The scanner of `target`; the first for an index out of range.
    func scanner(_ target: Int) -> NmapScanner {
        scanners.indices.contains(target) ? scanners[target] : scanners[0]
    }

    func scan(target: Int, hosts: [String], alsoExclude: [String]) async -> ScanReport {
        await scanner(target).scan(hosts: hosts, alsoExclude: alsoExclude)
    }

    func probe(target: Int, address: String, witnesses: [String]) async -> ProbeReport {
        await scanner(target).probe(address: address, witnesses: witnesses)
    }
}
