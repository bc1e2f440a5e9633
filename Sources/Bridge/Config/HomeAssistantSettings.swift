/// Home Assistant MQTT discovery.
public struct HomeAssistantSettings: Sendable, Equatable {
    /// Publish discovery configs so devices appear in Home Assistant by themselves. Default: true.
    public var discovery: Bool = true
    /// Prefix of discovery topics; must match Home Assistant's MQTT setting. Default: `homeassistant`.
    public var discoveryPrefix: String = "homeassistant"
    /// Home Assistant's birth topic: `online` there makes the bridge re-announce everything.
    /// Default: `homeassistant/status`.
    public var statusTopic: String = "homeassistant/status"
}

extension HomeAssistantSettings: ConfigDecodable {
    enum CodingKeys: String, ConfigKeys {
        case discovery
        case discoveryPrefix = "discovery_prefix"
        case statusTopic = "status_topic"
    }

    init(from decoder: ConfigDecoder) throws(ConfigError) {
        let fields = try decoder.fields(CodingKeys.self)
        self.init()
        try fields.read(.discovery, into: &discovery)
        try fields.read(.discoveryPrefix, into: &discoveryPrefix) { node throws(ConfigError) in try node.topic(example: "homeassistant") }
        try fields.read(.statusTopic, into: &statusTopic) { node throws(ConfigError) in try node.topic(example: "homeassistant/status") }
    }
}
