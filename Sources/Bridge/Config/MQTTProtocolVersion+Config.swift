import Mosquitto

extension MQTTProtocolVersion {
    /// `5`, `5.0`, `v5`, `MQTTv5`, `3.1.1`, `311`, `v3.1.1`, ...
    init(config node: ConfigNode) throws(ConfigError) {
        let text = ConfigText.trimmed(try node.string(expected: "5 or 3.1.1")).lowercased()
        var version = Substring(text)
        if version.hasPrefix("mqtt") { version = version.dropFirst(4) }
        if version.hasPrefix("v") { version = version.dropFirst() }
        switch version {
        case "5", "5.0": self = .v5
        case "3.1.1", "311": self = .v311
        default: throw node.error(is: "not a supported MQTT protocol", expected: "5 or 3.1.1")
        }
    }
}
