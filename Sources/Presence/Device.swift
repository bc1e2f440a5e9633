import Foundation
import NetworkAddresses

/// One tracked device as the engine, the state file and the publisher see it.
///
/// JSON keys are snake_case (`host_name`, `first_seen`, ...); dates are ISO 8601 strings whatever the
/// encoder's date strategy, so the state file and MQTT payloads read the same.
public struct Device: Sendable, Hashable, Identifiable {
    /// The MAC in lower-case hex without colons (`aabbccddeeff`), or `ip_192_0_2_5` for an IP-keyed device.
    public var id: String
    /// The normalized MAC (`aa:bb:cc:dd:ee:ff`); nil only for IP-keyed devices.
    public var mac: String?
    /// The address the device was last seen on.
    public var ip: String
    /// The last known reverse-DNS name; a sighting without one does not erase it.
    public var hostName: String?
    /// The last known MAC vendor; a sighting without one does not erase it.
    public var vendor: String?
    /// The name to show: the configured one, else derived (see `PresenceEngine`).
    public var name: String
    public var state: PresenceState
    public var firstSeen: Date
    /// The end of the last complete scan that saw the device, or the last re-probe it answered.
    public var lastSeen: Date
    /// Whether the MAC is locally administered (a phone's private address).
    public var randomizedMAC: Bool
    /// Tracked by IP because its MAC cannot be known (`track_without_mac`).
    public var keyedByIP: Bool
    /// The user deleted it in Home Assistant: it is never announced again until forgotten.
    public var deleted: Bool
    /// Why it is in its state, in words: nmap's status reason when it arrived, the missed re-probe when it
    /// departed. It changes with the state only, so a device that stays home publishes nothing new.
    public var reason: String

    public init(
        id: String,
        mac: String?,
        ip: String,
        hostName: String? = nil,
        vendor: String? = nil,
        name: String,
        state: PresenceState,
        firstSeen: Date,
        lastSeen: Date,
        randomizedMAC: Bool = false,
        keyedByIP: Bool = false,
        deleted: Bool = false,
        reason: String
    ) {
        self.id = id
        self.mac = mac
        self.ip = ip
        self.hostName = hostName
        self.vendor = vendor
        self.name = name
        self.state = state
        self.firstSeen = firstSeen
        self.lastSeen = lastSeen
        self.randomizedMAC = randomizedMAC
        self.keyedByIP = keyedByIP
        self.deleted = deleted
        self.reason = reason
    }
}

extension Device: Codable {
    enum CodingKeys: String, CodingKey {
        case id, mac, ip, name, state, deleted, reason, vendor
        case hostName = "host_name"
        case firstSeen = "first_seen"
        case lastSeen = "last_seen"
        case randomizedMAC = "randomized_mac"
        case keyedByIP = "keyed_by_ip"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let ip = try container.decode(String.self, forKey: .ip)
        let keyedByIP = try container.decodeIfPresent(Bool.self, forKey: .keyedByIP) ?? false
        let rawMAC = try container.decodeIfPresent(String.self, forKey: .mac)
        var mac: String?
        if let rawMAC {
            guard let normalized = MACAddress.normalized(rawMAC) else {
                throw DecodingError.dataCorruptedError(
                    forKey: .mac, in: container,
                    debugDescription: "mac \"\(rawMAC)\" is not a MAC address; expected aa:bb:cc:dd:ee:ff")
            }
            mac = normalized
        }
        if keyedByIP {
            id = MACAddress.deviceID(forIP: ip)
        } else if let mac {
            id = MACAddress.deviceID(forMAC: mac)
        } else {
            throw DecodingError.dataCorruptedError(
                forKey: .mac, in: container,
                debugDescription: "a device not keyed by IP needs a mac")
        }
        self.mac = mac
        self.ip = ip
        self.keyedByIP = keyedByIP
        hostName = try container.decodeIfPresent(String.self, forKey: .hostName)
        vendor = try container.decodeIfPresent(String.self, forKey: .vendor)
        name = try container.decode(String.self, forKey: .name)
        state = try container.decode(PresenceState.self, forKey: .state)
        firstSeen = try Self.decodeDate(container, .firstSeen)
        lastSeen = try Self.decodeDate(container, .lastSeen)
        randomizedMAC = try container.decodeIfPresent(Bool.self, forKey: .randomizedMAC) ?? false
        deleted = try container.decodeIfPresent(Bool.self, forKey: .deleted) ?? false
        reason = try container.decodeIfPresent(String.self, forKey: .reason) ?? ""
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(mac, forKey: .mac)
        try container.encode(ip, forKey: .ip)
        try container.encode(hostName, forKey: .hostName)
        try container.encode(vendor, forKey: .vendor)
        try container.encode(name, forKey: .name)
        try container.encode(state, forKey: .state)
        try container.encode(Timestamp.precise(firstSeen), forKey: .firstSeen)
        try container.encode(Timestamp.precise(lastSeen), forKey: .lastSeen)
        try container.encode(randomizedMAC, forKey: .randomizedMAC)
        try container.encode(keyedByIP, forKey: .keyedByIP)
        try container.encode(deleted, forKey: .deleted)
        try container.encode(reason, forKey: .reason)
    }

    private static func decodeDate(
        _ container: KeyedDecodingContainer<CodingKeys>, _ key: CodingKeys
    ) throws -> Date {
        let text = try container.decode(String.self, forKey: key)
        guard let date = Timestamp.parse(text) else {
            throw DecodingError.dataCorruptedError(
                forKey: key, in: container,
                debugDescription: "\"\(text)\" is not an ISO 8601 date such as 2026-11-26T15:00:00Z")
        }
        return date
    }
}
