/// What a re-probe found.
public enum ProbeResult: Sendable, Hashable {
    /// The address is up; `mac` is the MAC that answered, when known. An answer from a different MAC means
    /// the address now belongs to someone else, and counts as no answer.
    case answered(mac: String?)
    /// The address stayed silent while a witness answered (or none was asked for): the device is gone.
    case noAnswer
    /// No evidence either way: nmap failed or was killed, or nothing answered, witnesses included (the
    /// network is down). Nothing changes; the device is probed again after the next scan that counts.
    case failed(reason: String)
}
