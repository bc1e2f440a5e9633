/// Per-device settings from the `devices` list, keyed by MAC.
public struct DeviceEntry: Sendable, Equatable {
    /// The MAC in lower-case colon form (`aa:bb:cc:dd:ee:ff`), whatever notation the file used.
    public var mac: String
    /// Display name in Home Assistant. Default: none (host name, else vendor and MAC).
    public var name: String? = nil
    /// Grace before `not_home` for this device. Default: none (`scan.consider_home`).
    public var considerHome: Duration? = nil
    /// false = never publish this device. Default: true.
    public var track: Bool = true
}

extension DeviceEntry: ConfigDecodable {
    enum CodingKeys: String, ConfigKeys {
        case mac, name
        case considerHome = "consider_home"
        case track
    }

    init(from decoder: ConfigDecoder) throws(ConfigError) {
        let fields = try decoder.fields(CodingKeys.self)
        guard let mac = try fields.value(.mac, { node throws(ConfigError) in try node.mac() }) else {
            throw fields.missing(.mac, expected: "the device's MAC address, such as aa:bb:cc:dd:ee:ff")
        }
        self.init(mac: mac)
        name = try fields.value(.name) { node throws(ConfigError) in try node.string(expected: "a display name such as \"Anna's phone\"") }
        considerHome = try fields.value(.considerHome) { node throws(ConfigError) in try node.duration(unit: .seconds) }
        try fields.read(.track, into: &track)
    }

    /// The `devices:` list; a MAC listed twice is an error naming both places.
    static func list(_ node: ConfigNode, _ decoder: ConfigDecoder) throws(ConfigError) -> [DeviceEntry] {
        try node.checkTag()
        guard case .sequence = node.node else {
            throw node.error(
                is: "not a list", expected: "a list of devices, each like - mac: aa:bb:cc:dd:ee:ff with optional name, consider_home and track")
        }
        var devices: [DeviceEntry] = []
        var seen: [String: String] = [:]
        for element in try node.elements() {
            let device = try decoder.decode(DeviceEntry.self, from: element)
            let macPath = "\(element.path).mac"
            if let first = seen[device.mac] {
                let line = try element.mapping(accepting: [], checked: false)["mac"]?.line
                throw ConfigError(keyPath: macPath, message: "\(device.mac) is listed twice (also at \(first)); expected each MAC once", line: line)
            }
            seen[device.mac] = macPath
            devices.append(device)
        }
        return devices
    }
}
