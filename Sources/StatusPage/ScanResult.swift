/// How one scan ended; also the `result` label of `nmap2mqtt_scans_total`.
public enum ScanResult: String, Sendable, Hashable, CaseIterable {
    /// nmap ran and something answered: the scan counts.
    case ok
    /// nmap failed, hung past `scan.timeout`, or wrote output that could not be parsed: no device changed.
    case failed
    /// nmap ran and nothing at all answered (a switch restarting): no device changed.
    case outage
}
