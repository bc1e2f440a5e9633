/// What a re-probe found.
public enum ProbeResult: Sendable, Hashable {
    /// The address is up; `mac` is the MAC that answered, when known. An answer from a different MAC means
    /// the address now belongs to someone else, and counts as no answer.
    case answered(mac: String?)
    /// The address did not answer: the device is gone.
    case noAnswer
    /// The probe itself failed (nmap broken or killed): no evidence either way, so nothing changes.
    case failed(reason: String)
}
