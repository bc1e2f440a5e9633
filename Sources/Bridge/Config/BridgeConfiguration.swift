import Foundation
import Logging

/// Everything `config.yaml` says, validated, with defaults filled in and paths made absolute.
///
/// Built once at start-up by `load(path:)`; an invalid file stops the bridge before it touches the
/// broker, so nothing already published is disturbed by a typo.
public struct BridgeConfiguration: Sendable, Equatable {
    /// The broker connection.
    public var mqtt: MQTTSettings
    /// Home Assistant discovery.
    public var homeAssistant: HomeAssistantSettings
    /// What to scan and how often (`scan:`, or a pasted Home Assistant `device_tracker:` block).
    public var scan: ScanSettings
    /// Per-MAC settings. Default: `[]`.
    public var devices: [DeviceEntry]
    /// Publish devices that are not listed in `devices`. Default: true.
    public var trackNewDevices: Bool
    /// Also track hosts whose MAC cannot be known (routed, VPN), keyed by IP. Default: false.
    public var trackWithoutMAC: Bool
    /// Absolute path of the file that carries device states across restarts.
    /// Default: `$STATE_DIRECTORY/state.json` when systemd sets `STATE_DIRECTORY` (`StateDirectory=`; the
    /// first path when it lists several), otherwise `nmap2mqtt-state.json` next to the config file.
    public var stateFile: String
    /// Log level. Default: `info`.
    public var logLevel: Logger.Level
    /// The status page, metrics and health endpoint.
    public var web: WebSettings
    /// This node's name in a household of several nodes sharing `mqtt.base_topic` (docs/HOUSEHOLD.md):
    /// `[A-Za-z0-9_-]`, 1 to 64 characters, unique per household. Default: the host name's first label,
    /// other characters replaced by `_`.
    public var nodeID: String
    /// Absolute path of the file this came from; nil when parsed from a string.
    public var configFile: String?

    public static let defaultStateFileName = "nmap2mqtt-state.json"
    /// The state file's name in systemd's state directory, which holds nothing else.
    public static let stateDirectoryFileName = "state.json"

    init(
        mqtt: MQTTSettings = MQTTSettings(),
        homeAssistant: HomeAssistantSettings = HomeAssistantSettings(),
        scan: ScanSettings,
        devices: [DeviceEntry] = [],
        trackNewDevices: Bool = true,
        trackWithoutMAC: Bool = false,
        stateFile: String,
        logLevel: Logger.Level = .info,
        web: WebSettings = WebSettings(),
        nodeID: String = BridgeConfiguration.defaultNodeID(),
        configFile: String? = nil
    ) {
        self.mqtt = mqtt
        self.homeAssistant = homeAssistant
        self.scan = scan
        self.devices = devices
        self.trackNewDevices = trackNewDevices
        self.trackWithoutMAC = trackWithoutMAC
        self.stateFile = stateFile
        self.logLevel = logLevel
        self.web = web
        self.nodeID = nodeID
        self.configFile = configFile
    }

    /// Reads and validates the file at `path`. `NMAP2MQTT_MQTT_HOST`, `_PORT`, `_USERNAME` and
    /// `_PASSWORD` in `environment` override the file (for containers).
    public static func load(
        path: String,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(ConfigError) -> BridgeConfiguration {
        let absolute = ConfigFiles.absolute(path, relativeTo: FileManager.default.currentDirectoryPath, environment: environment)
        let data: Data
        switch ConfigFiles.read(absolute) {
        case .success(let contents):
            data = contents
        case .failure(let reason):
            throw ConfigError(
                keyPath: "",
                message: "cannot read the configuration file \(absolute): \(reason); expected a readable YAML file (see config.sample.yaml)")
        }
        guard let yaml = String(data: data, encoding: .utf8) else {
            throw ConfigError(keyPath: "", message: "the configuration file \(absolute) is not UTF-8 text; expected a YAML file")
        }
        let directory = (absolute as NSString).deletingLastPathComponent
        var configuration = try parse(yaml: yaml, configDirectory: directory, environment: environment)
        configuration.configFile = absolute
        return configuration
    }

    /// Validates YAML text; relative paths in it are taken relative to `configDirectory`.
    public static func parse(
        yaml: String,
        configDirectory: String,
        environment: [String: String]
    ) throws(ConfigError) -> BridgeConfiguration {
        let directory = ConfigFiles.absolute(configDirectory, relativeTo: FileManager.default.currentDirectoryPath, environment: environment)
        do {
            let context = ConfigContext(directory: directory, environment: environment)
            return try BridgeConfiguration(from: ConfigDecoder(node: ConfigDocument.compose(yaml), context: context))
        } catch {
            throw error.redacting(passwordsIn: yaml)
        }
    }
}
