import NetworkAddresses
import Presence

/// Device ids as topics use them: a MAC in lower-case hex without separators, or `ip_a_b_c_d`.
public enum DeviceID {
    /// The id for a MAC in any common notation, or an IP-keyed id as it is; nil for anything else.
    public static func from(_ text: String) -> String? {
        let lowered = text.lowercased()
        if lowered.hasPrefix("ip_"), lowered.count > 3,
            lowered.dropFirst(3).allSatisfy({ $0.isHexDigit || $0 == "_" })
        {
            return lowered
        }
        return MACAddress.normalized(text).map(MACAddress.deviceID(forMAC:))
    }
}
