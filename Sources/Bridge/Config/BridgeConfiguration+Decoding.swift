import Logging
import Yams

/// The top level of `config.yaml`: its sections, and Home Assistant's `device_tracker:` block read in
/// place of `scan:`.
extension BridgeConfiguration: ConfigDecodable {
    enum CodingKeys: String, ConfigKeys {
        case mqtt, homeassistant, scan
        case deviceTracker = "device_tracker"
        case devices
        case trackNewDevices = "track_new_devices"
        case trackWithoutMAC = "track_without_mac"
        case stateFile = "state_file"
        case logLevel = "log_level"
        case web
        case nodeID = "node_id"

        /// A section's key written at the top level says where it belongs.
        static let hints: [String: String] = {
            var hints: [String: String] = [:]
            func add<Key: ConfigKeys>(_ section: String, _ keys: Key.Type) {
                for key in Key.names {
                    hints[key] = "did you mean \"\(section).\(key)\"? It belongs under \(section):"
                }
            }
            add("scan", ScanSettings.CodingKeys.self)
            add("homeassistant", HomeAssistantSettings.CodingKeys.self)
            add("mqtt", MQTTSettings.CodingKeys.self)
            add("web", WebSettings.CodingKeys.self)
            hints["mac_exclude"] = "did you mean \"scan.exclude_macs\"? It belongs under scan:"
            hints["home_assistant"] = "did you mean \"homeassistant\"?"
            hints["known_devices"] = "did you mean \"devices\"?"
            return hints
        }()
    }

    init(from decoder: ConfigDecoder) throws(ConfigError) {
        let fields = try decoder.fields(CodingKeys.self)
        var trackNewDevices = try fields.value(.trackNewDevices) { node throws(ConfigError) in try node.bool() }
        let scan: ScanSettings
        switch (fields[.scan], fields[.deviceTracker]) {
        case (let scanNode?, nil):
            scan = try decoder.decode(ScanSettings.self, from: scanNode)
        case (nil, let trackerNode?):
            let tracker = try HomeAssistantTracker.read(trackerNode, decoder)
            scan = tracker.scan
            if let (value, origin) = tracker.trackNewDevices {
                if let topValue = trackNewDevices, topValue != value {
                    throw origin.error("is \(value) but track_new_devices is \(topValue); expected one setting (remove one of them)")
                }
                trackNewDevices = value
            }
        case (_?, let trackerNode?):
            throw trackerNode.error("is given together with scan:; expected only one of them (device_tracker: is read as scan:)")
        case (nil, nil):
            throw ConfigError(
                keyPath: "scan",
                message:
                    "is missing; expected scan: with at least hosts: (such as hosts: 192.168.1.0/24), or a Home Assistant device_tracker: block with platform: nmap_tracker"
            )
        }
        var mqtt = try decoder.decode(MQTTSettings.self, from: fields[.mqtt] ?? .emptyMapping(path: "mqtt"))
        let homeAssistant = try fields.decode(.homeassistant, as: HomeAssistantSettings.self)
        let devices = try fields.value(.devices) { node throws(ConfigError) in try DeviceEntry.list(node, decoder) }
        let trackWithoutMAC = try fields.value(.trackWithoutMAC) { node throws(ConfigError) in try node.bool() }
        let stateFile = try fields.path(.stateFile, expected: "a file path such as \(Self.defaultStateFileName)")
        let logLevel = try fields.value(.logLevel, Self.logLevel)
        let web = try fields.decode(.web, as: WebSettings.self)
        let nodeID = try fields.value(.nodeID, Self.nodeID)
        // Two nodes on one host (a leg in each segment) share the host name, and so the default client id:
        // the broker would throw each out when the other connects. A named node names its client.
        let clientIDGiven = (try? fields[.mqtt]?.mapping(accepting: MQTTSettings.CodingKeys.names, checked: false))?["client_id"] != nil
        if let nodeID, !clientIDGiven {
            mqtt.connection.clientID = MQTTSettings.defaultClientID(for: nodeID)
        }
        self.init(
            mqtt: mqtt,
            homeAssistant: homeAssistant ?? HomeAssistantSettings(),
            scan: scan,
            devices: devices ?? [],
            trackNewDevices: trackNewDevices ?? true,
            trackWithoutMAC: trackWithoutMAC ?? false,
            stateFile: stateFile ?? Self.defaultStateFile(decoder.context),
            logLevel: logLevel ?? .info,
            web: web ?? WebSettings(),
            nodeID: nodeID ?? Self.defaultNodeID()
        )
    }

    /// `state.json` in systemd's `StateDirectory=` (`$STATE_DIRECTORY`, the first of its colon-separated
    /// paths), which stays writable under `ProtectSystem=strict`; otherwise beside the config file.
    /// An empty `STATE_DIRECTORY` counts as unset.
    static func defaultStateFile(_ context: ConfigContext) -> String {
        let file = context.environment["STATE_DIRECTORY"]?.split(separator: ":").first.map { "\($0)/\(stateDirectoryFileName)" }
        return ConfigFiles.absolute(file ?? defaultStateFileName, relativeTo: context.directory, environment: context.environment)
    }

    private static func nodeID(_ node: ConfigNode) throws(ConfigError) -> String {
        let expected = "a node name of 1 to 64 letters, digits, _ or - (such as livingroom or garden-office), unique in the household"
        let text = ConfigText.trimmed(try node.string(expected: expected))
        guard Self.isValidNodeID(text) else {
            throw node.error(is: "not a node name", expected: expected)
        }
        return text
    }

    private static func logLevel(_ node: ConfigNode) throws(ConfigError) -> Logger.Level {
        let expected = "one of \(Logger.Level.allCases.map(\.rawValue).joined(separator: ", "))"
        let text = ConfigText.trimmed(try node.string(expected: expected)).lowercased()
        if text == "warn" { return .warning }
        guard let level = Logger.Level(rawValue: text) else {
            throw node.error(is: "not a log level", expected: expected)
        }
        return level
    }
}

/// A Home Assistant `device_tracker:` block with `platform: nmap_tracker`, read in place of `scan:`,
/// so users can paste what they already have.
struct HomeAssistantTracker: ConfigDecodable {
    enum CodingKeys: String, ConfigKeys {
        case platform
        case trackNewDevices = "track_new_devices"
        case newDeviceDefaults = "new_device_defaults"

        /// Keys of Home Assistant's legacy platform schema that nmap2mqtt has no use for, and why.
        static let hints: [String: String] = ScanSettings.CodingKeys.hints.merging([
            "hide_if_away": "Home Assistant removed it and nmap2mqtt has no hidden devices; remove it (devices[].track: false ignores a device)",
            "entity_namespace": "nmap2mqtt has no entity namespaces; remove it (mqtt.base_topic and homeassistant.discovery_prefix place the topics)",
        ]) { first, _ in first }
    }

    /// `new_device_defaults:`, Home Assistant's older place for `track_new_devices`.
    struct NewDeviceDefaults: ConfigDecodable {
        enum CodingKeys: String, ConfigKeys {
            case trackNewDevices = "track_new_devices"
            static var hints: [String: String] { HomeAssistantTracker.CodingKeys.hints }
        }

        var trackNewDevices: (Bool, ConfigNode)?

        init(from decoder: ConfigDecoder) throws(ConfigError) {
            let fields = try decoder.fields(CodingKeys.self)
            trackNewDevices = try fields.value(.trackNewDevices) { node throws(ConfigError) in (try node.bool(), node) }
        }
    }

    var scan: ScanSettings
    /// `track_new_devices` from the entry or its `new_device_defaults`, with the node that set it.
    var trackNewDevices: (Bool, ConfigNode)?

    /// One entry: its own keys and the scan keys, checked together.
    init(from decoder: ConfigDecoder) throws(ConfigError) {
        let names = CodingKeys.names + ScanSettings.CodingKeys.names
        let mapping = try decoder.node.mapping(accepting: names, hints: CodingKeys.hints)
        let fields = ConfigFields<CodingKeys>(mapping: mapping, context: decoder.context)
        var unchecked = decoder
        unchecked.checksKeys = false
        scan = try ScanSettings(from: unchecked)
        trackNewDevices = try fields.decode(.newDeviceDefaults, as: NewDeviceDefaults.self)?.trackNewDevices
        if let (track, node) = try fields.value(.trackNewDevices, { node throws(ConfigError) in (try node.bool(), node) }) {
            if let (other, otherNode) = trackNewDevices, other != track {
                throw node.error("is \(track) but \(otherNode.path) is \(other); expected one setting (remove one of them)")
            }
            trackNewDevices = (track, node)
        }
    }

    /// The block: one entry, or a list in which exactly one entry is `platform: nmap_tracker`.
    static func read(_ node: ConfigNode, _ decoder: ConfigDecoder) throws(ConfigError) -> HomeAssistantTracker {
        let entries: [ConfigNode]
        switch node.node {
        case .sequence: entries = try node.elements()
        case .mapping: entries = [node]
        default:
            throw node.error(is: "not a list", expected: "Home Assistant's device_tracker: list with a - platform: nmap_tracker entry")
        }
        var tracker: HomeAssistantTracker?
        var firstPath = ""
        for entry in entries {
            guard case .mapping(let mapping) = entry.node else {
                throw entry.error(is: "not a mapping", expected: "an entry such as - platform: nmap_tracker with hosts:")
            }
            // The platform first: another platform's keys would otherwise be reported as unknown.
            guard let platformValue = mapping["platform"] else {
                throw ConfigError(keyPath: "\(entry.path).platform", message: "is missing; expected platform: nmap_tracker", line: entry.line)
            }
            let platformNode = entry.child("platform", platformValue)
            guard try platformNode.string(expected: "nmap_tracker") == "nmap_tracker" else {
                throw platformNode.error(
                    is: "not supported", expected: "nmap_tracker (nmap2mqtt reads only the nmap_tracker entry; remove the others)")
            }
            if tracker != nil {
                throw entry.error(
                    "is a second nmap_tracker entry; expected one (merge its hosts into \(firstPath), or write scan: with targets: for segments on their own schedules)"
                )
            }
            firstPath = entry.path
            tracker = try decoder.decode(HomeAssistantTracker.self, from: entry)
        }
        guard let tracker else {
            throw node.error(is: "empty", expected: "a - platform: nmap_tracker entry with hosts:")
        }
        return tracker
    }
}
