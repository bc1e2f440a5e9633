import CMosquitto

/// A code the broker sent back: a CONNACK's return code (MQTT 3.1.1) or reason code (MQTT 5), or a
/// PUBACK's or SUBACK's reason code. Kept apart from ``MosquittoReturnCode``, which is what the
/// library says about a call: the numbers overlap and mean different things.
struct MQTTReasonCode: RawRepresentable, Hashable, Sendable {
    let rawValue: Int32

    init(rawValue: Int32) { self.rawValue = rawValue }

    static let success = MQTTReasonCode(rawValue: 0)
    /// What libmosquitto reports for a SUBACK entry it did not receive.
    static let unspecifiedError = MQTTReasonCode(rawValue: 0x80)

    /// For a CONNACK: 0 is the only acceptance in both protocol versions.
    var isConnackAccepted: Bool { rawValue == 0 }
    /// For a PUBACK or SUBACK: below 0x80 is success ("no matching subscribers", 16, among them).
    var isFailure: Bool { rawValue >= 0x80 }

    /// The MQTT 5 reason's name in words.
    var reasonText: String { String(cString: mosquitto_reason_string(rawValue)) }

    /// A CONNACK's meaning: a 3.1.1 return code and an MQTT 5 reason code are different tables.
    func connackText(protocolVersion: MQTTProtocolVersion) -> String {
        protocolVersion == .v5 ? reasonText : String(cString: mosquitto_connack_string(rawValue))
    }
}
