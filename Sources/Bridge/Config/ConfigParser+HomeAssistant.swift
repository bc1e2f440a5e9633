/// A Home Assistant `device_tracker:` block with `platform: nmap_tracker`, read in place of `scan:`,
/// so users can paste what they already have.
extension ConfigParser {
    /// Keys of Home Assistant's legacy platform schema that nmap2mqtt has no use for, and why.
    static let homeAssistantTrackerHints: [String: String] = scanHints.merging([
        "hide_if_away": "Home Assistant removed it and nmap2mqtt has no hidden devices; remove it (devices[].track: false ignores a device)",
        "entity_namespace": "nmap2mqtt has no entity namespaces; remove it (mqtt.base_topic and homeassistant.discovery_prefix place the topics)",
    ]) { first, _ in first }

    struct ImportedTracker {
        var scan: ScanSettings
        /// `track_new_devices` from the entry or its `new_device_defaults`, with the node that set it.
        var trackNewDevices: (Bool, ConfigNode)?
    }

    func parseDeviceTracker(_ node: ConfigNode) throws(ConfigError) -> ImportedTracker {
        let entries: [ConfigNode]
        switch node.node {
        case .sequence: entries = try node.elements()
        case .mapping: entries = [node]
        default:
            throw node.error(is: "not a list", expected: "Home Assistant's device_tracker: list with a - platform: nmap_tracker entry")
        }
        var imported: ImportedTracker?
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
            let platform = try platformNode.string(expected: "nmap_tracker")
            guard platform == "nmap_tracker" else {
                throw platformNode.error(is: "not supported", expected: "nmap_tracker (nmap2mqtt reads only the nmap_tracker entry; remove the others)")
            }
            if imported != nil {
                throw entry.error("is a second nmap_tracker entry; expected one (nmap2mqtt runs one scan: merge its hosts into \(firstPath))")
            }
            firstPath = entry.path
            let fields = try entry.mapping(
                accepting: ["platform"] + Self.scanKeys + ["track_new_devices", "new_device_defaults"],
                hints: Self.homeAssistantTrackerHints
            )
            var result = ImportedTracker(scan: try parseScan(fields))
            if let defaults = fields["new_device_defaults"] {
                let defaultsFields = try defaults.mapping(accepting: ["track_new_devices"], hints: Self.homeAssistantTrackerHints)
                if let value = defaultsFields["track_new_devices"] {
                    result.trackNewDevices = (try value.bool(), value)
                }
            }
            if let value = fields["track_new_devices"] {
                let track = try value.bool()
                if let (other, otherNode) = result.trackNewDevices, other != track {
                    throw value.error("is \(track) but \(otherNode.path) is \(other); expected one setting (remove one of them)")
                }
                result.trackNewDevices = (track, value)
            }
            imported = result
        }
        guard let imported else {
            throw node.error(is: "empty", expected: "a - platform: nmap_tracker entry with hosts:")
        }
        return imported
    }
}
