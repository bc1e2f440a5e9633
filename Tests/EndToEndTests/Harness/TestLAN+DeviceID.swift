import TestSupport

extension TestLAN.Host {
    /// The id the bridge gives this host: its MAC in lower-case hex without colons.
    var deviceID: String { mac.replacingOccurrences(of: ":", with: "") }
}
