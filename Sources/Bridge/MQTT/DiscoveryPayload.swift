import Presence

/// Home Assistant MQTT discovery for one tracked device (`device_tracker`), and for the bridge
/// itself (a connectivity `binary_sensor` that the devices name as `via_device`).
/// Full key names, not abbreviations, so a person reading the broker understands them.
struct DiscoveryPayload: Encodable {
    struct Availability: Encodable {
        var topic: String
        var payload_available = "online"
        var payload_not_available = "offline"
    }

    struct DeviceInfo: Encodable {
        var connections: [[String]]?
        var identifiers: [String]
        var name: String
        var manufacturer: String?
        var model: String?
        var sw_version: String?
        var via_device: String?
    }

    struct Origin: Encodable {
        var name = "nmap2mqtt"
        var sw_version: String
        var support_url: String
    }

    var name: String?
    var unique_id: String
    var state_topic: String
    var json_attributes_topic: String?
    var payload_home: String?
    var payload_not_home: String?
    var payload_on: String?
    var payload_off: String?
    var device_class: String?
    var entity_category: String?
    var source_type: String?
    var availability: [Availability]?
    /// `any`: available while any node that sees the device lives (each node's will says when it dies).
    var availability_mode: String?
    var qos: Int
    var device: DeviceInfo
    var origin: Origin

    /// `name: null` makes Home Assistant name the entity after its device, whose name we set.
    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(name, forKey: .name)
        try container.encode(unique_id, forKey: .unique_id)
        try container.encode(state_topic, forKey: .state_topic)
        try container.encodeIfPresent(json_attributes_topic, forKey: .json_attributes_topic)
        try container.encodeIfPresent(payload_home, forKey: .payload_home)
        try container.encodeIfPresent(payload_not_home, forKey: .payload_not_home)
        try container.encodeIfPresent(payload_on, forKey: .payload_on)
        try container.encodeIfPresent(payload_off, forKey: .payload_off)
        try container.encodeIfPresent(device_class, forKey: .device_class)
        try container.encodeIfPresent(entity_category, forKey: .entity_category)
        try container.encodeIfPresent(source_type, forKey: .source_type)
        try container.encodeIfPresent(availability, forKey: .availability)
        try container.encodeIfPresent(availability_mode, forKey: .availability_mode)
        try container.encode(qos, forKey: .qos)
        try container.encode(device, forKey: .device)
        try container.encode(origin, forKey: .origin)
    }

    private enum CodingKeys: String, CodingKey {
        case name, unique_id, state_topic, json_attributes_topic, payload_home, payload_not_home, payload_on, payload_off
        case device_class, entity_category, source_type, availability, availability_mode, qos, device, origin
    }

    /// `viewers`: the nodes with a view of the device (``Household/MergedDevice/viewers``); the device is
    /// available while any of them lives, so one that only a dead node saw becomes unavailable, never
    /// `not_home`.
    static func device(_ device: Device, viewers: [String], topics: Topics, version: String) -> [UInt8] {
        let payload = DiscoveryPayload(
            name: nil,
            unique_id: "nmap2mqtt_\(device.id)",
            state_topic: topics.state(device.id),
            json_attributes_topic: topics.attributes(device.id),
            payload_home: "home",
            payload_not_home: "not_home",
            // The default, gps, would let a phone's GPS tracker overrule us in a person entity.
            source_type: "router",
            availability: viewers.map { Availability(topic: topics.nodeState($0)) },
            availability_mode: "any",
            qos: 1,
            device: DeviceInfo(
                connections: device.mac.map { [["mac", $0]] },
                identifiers: ["nmap2mqtt_\(device.id)"],
                name: device.name,
                manufacturer: device.vendor,
                via_device: Topics.bridgeDeviceID),
            origin: Origin(sw_version: version, support_url: BridgeVersion.supportURL))
        return Payloads.encode(payload)
    }

    static func bridge(topics: Topics, version: String) -> [UInt8] {
        let payload = DiscoveryPayload(
            name: "Connection",
            unique_id: "\(Topics.bridgeDeviceID)_connection",
            state_topic: topics.bridgeState,
            payload_on: "online",
            payload_off: "offline",
            device_class: "connectivity",
            entity_category: "diagnostic",
            qos: 1,
            device: DeviceInfo(
                identifiers: [Topics.bridgeDeviceID], name: "nmap2mqtt", manufacturer: "nmap2mqtt",
                model: "nmap presence bridge", sw_version: version),
            origin: Origin(sw_version: version, support_url: BridgeVersion.supportURL))
        return Payloads.encode(payload)
    }
}
