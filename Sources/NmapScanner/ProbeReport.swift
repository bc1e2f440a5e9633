/// What a re-probe before a departure found out about one address (`NmapScanner.probe(address:witnesses:)`).
///
/// Witnesses, other hosts that answered the last scan, are asked in the same nmap runs so that
/// "the device is gone" can be told apart from "the network is down" (a switch rebooting, a Wi-Fi
/// access point restarting): only the first is evidence of a departure.
public enum ProbeReport: Sendable, Equatable {
    /// The address answered. The MAC is as seen, by nmap or from the neighbour table as in a scan;
    /// it may belong to another device than the one expected (the address was handed on), and nil
    /// when neither knew it. The caller decides what a different MAC means.
    case answered(mac: String?)
    /// The address stayed silent while at least one witness answered, or no witnesses were given.
    case noAnswer
    /// Neither the address nor any witness answered: the network itself looks down, so the silence
    /// is no evidence that the device left.
    case unwitnessed
    /// nmap failed, timed out or was cancelled: nothing is known.
    case failed(ScanFailure)
}
