import Logging
import NmapScanner
import Presence
import Yams

/// Turns YAML text into a `BridgeConfiguration`, section by section, naming every bad key by its path.
struct ConfigParser {
    /// Absolute directory that relative paths in the file are taken against.
    let configDirectory: String
    /// Process environment: the `NMAP2MQTT_MQTT_*` overrides, `HOME` for `~/` paths, and systemd's
    /// `STATE_DIRECTORY` for the default state file.
    let environment: [String: String]

    static let topLevelKeys = ["mqtt", "homeassistant", "scan", "device_tracker", "devices", "track_new_devices", "track_without_mac", "state_file", "log_level", "web"]
    static let mqttKeys = ["host", "port", "protocol", "client_id", "username", "password", "password_file", "tls", "keepalive", "base_topic", "last_seen_refresh"]
    static let tlsKeys = ["ca_file", "cert_file", "key_file", "insecure"]
    static let homeAssistantKeys = ["discovery", "discovery_prefix", "status_topic"]
    static let webKeys = ["enabled", "host", "port", "auth_token"]
    static let scanKeys = ["hosts", "exclude", "exclude_macs", "scan_options", "interval_seconds", "home_interval", "consider_home", "timeout", "nmap_path", "listen"]
    static let deviceKeys = ["mac", "name", "consider_home", "track"]

    /// Hints for keys written somewhere else than where they belong, or under Home Assistant's newer names.
    static let scanHints: [String: String] = [
        "mac_exclude": "did you mean \"exclude_macs\"? (Home Assistant's mac_exclude)",
        "hosts_exclude": "did you mean \"exclude\"? (Home Assistant's hosts_exclude)",
        "hosts_list": "did you mean \"hosts\"? (Home Assistant's hosts_list)",
        "scan_interval": "did you mean \"interval_seconds\"? (the time between scan starts)",
        "interval": "did you mean \"interval_seconds\"?",
    ]
    static let mqttHints: [String: String] = [
        "user": "did you mean \"username\"?",
        "pass": "did you mean \"password\"?",
        "server": "did you mean \"host\"?",
        "broker": "did you mean \"host\"?",
        "version": "did you mean \"protocol\"?",
        "protocol_version": "did you mean \"protocol\"?",
        "topic": "did you mean \"base_topic\"?",
    ]
    static var topLevelHints: [String: String] {
        var hints: [String: String] = [:]
        for (section, keys) in [("scan", scanKeys), ("homeassistant", homeAssistantKeys), ("mqtt", mqttKeys), ("web", webKeys)] {
            for key in keys {
                hints[key] = "did you mean \"\(section).\(key)\"? It belongs under \(section):"
            }
        }
        hints["mac_exclude"] = "did you mean \"scan.exclude_macs\"? It belongs under scan:"
        hints["home_assistant"] = "did you mean \"homeassistant\"?"
        hints["known_devices"] = "did you mean \"devices\"?"
        return hints
    }

    func parse(yaml: String) throws(ConfigError) -> BridgeConfiguration {
        let root = try Self.compose(yaml)
        let top = try root.mapping(accepting: Self.topLevelKeys, hints: Self.topLevelHints)

        let mqtt = try parseMQTT(top["mqtt"])
        let homeAssistant = try parseHomeAssistant(top["homeassistant"])

        var trackNewDevices: Bool? = try top["track_new_devices"]?.bool()
        let scan: ScanSettings
        switch (top["scan"], top["device_tracker"]) {
        case (let scanNode?, nil):
            scan = try parseScan(scanNode.mapping(accepting: Self.scanKeys, hints: Self.scanHints))
        case (nil, let trackerNode?):
            let imported = try parseDeviceTracker(trackerNode)
            scan = imported.scan
            if let (value, origin) = imported.trackNewDevices {
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
                message: "is missing; expected scan: with at least hosts: (such as hosts: 192.168.1.0/24), or a Home Assistant device_tracker: block with platform: nmap_tracker"
            )
        }

        let devices = try parseDevices(top["devices"])
        let trackWithoutMAC = try top["track_without_mac"]?.bool() ?? false
        let stateFile = try top["state_file"].map { node throws(ConfigError) in
            try path(node, expected: "a file path such as \(BridgeConfiguration.defaultStateFileName)")
        } ?? defaultStateFile
        let logLevel = try top["log_level"].map(parseLogLevel) ?? .info
        let web = try parseWeb(top["web"])

        return BridgeConfiguration(
            mqtt: mqtt,
            homeAssistant: homeAssistant,
            scan: scan,
            devices: devices,
            trackNewDevices: trackNewDevices ?? true,
            trackWithoutMAC: trackWithoutMAC,
            stateFile: stateFile,
            logLevel: logLevel,
            web: web
        )
    }

    /// `state.json` in systemd's `StateDirectory=` (`$STATE_DIRECTORY`, the first of its colon-separated
    /// paths), which stays writable under `ProtectSystem=strict`; otherwise beside the config file.
    /// An empty `STATE_DIRECTORY` counts as unset.
    var defaultStateFile: String {
        if let first = environment["STATE_DIRECTORY"]?.split(separator: ":").first {
            let file = "\(first)/\(BridgeConfiguration.stateDirectoryFileName)"
            return ConfigFiles.absolute(file, relativeTo: configDirectory, environment: environment)
        }
        return ConfigFiles.absolute(BridgeConfiguration.defaultStateFileName, relativeTo: configDirectory, environment: environment)
    }

    // MARK: - Document

    /// The root mapping; syntax errors become `ConfigError`s with line and column (never a snippet of
    /// the text, which could hold the password).
    static func compose(_ yaml: String) throws(ConfigError) -> ConfigNode {
        let expected = "expected YAML keys such as mqtt: and scan: (see config.sample.yaml)"
        let node: Node?
        do {
            node = try Yams.compose(yaml: yaml, .basic)
        } catch let error as YamlError {
            throw syntaxError(error)
        } catch {
            throw ConfigError(keyPath: "", message: "the configuration cannot be read as YAML: \(error)")
        }
        guard let node else {
            throw ConfigError(keyPath: "", message: "the configuration is empty; \(expected)")
        }
        let root = ConfigNode(node: node, path: "")
        switch node {
        case .mapping:
            return root
        case .scalar where root.isNull:
            throw ConfigError(keyPath: "", message: "the configuration is empty; \(expected)")
        default:
            throw ConfigError(keyPath: "", message: "the configuration is \(root.described), not a mapping; \(expected)", line: root.line)
        }
    }

    private static func syntaxError(_ error: YamlError) -> ConfigError {
        let hint = "expected valid YAML: check the indentation and quoting there"
        switch error {
        case .scanner(let context, let problem, let mark, _),
             .parser(let context, let problem, let mark, _),
             .composer(let context, let problem, let mark, _):
            let while_ = context.map { " (\($0.text) at line \($0.mark.line))" } ?? ""
            return ConfigError(keyPath: "", message: "YAML syntax error at column \(mark.column): \(problem)\(while_); \(hint)", line: mark.line)
        case .duplicatedKeysInMapping(let duplicates, let context):
            let keys = duplicates.sorted().map(ConfigText.quoted).joined(separator: ", ")
            return ConfigError(keyPath: "", message: "the key \(keys) appears more than once in one mapping; expected each key once", line: context.mark.line)
        case .reader(let problem, _, _, _):
            return ConfigError(keyPath: "", message: "the configuration cannot be read as text: \(problem); expected UTF-8 YAML")
        default:
            return ConfigError(keyPath: "", message: "the configuration cannot be read as YAML: \(error)")
        }
    }

    // MARK: - Sections

    func parseHomeAssistant(_ node: ConfigNode?) throws(ConfigError) -> HomeAssistantSettings {
        var settings = HomeAssistantSettings()
        guard let node else { return settings }
        let fields = try node.mapping(accepting: Self.homeAssistantKeys)
        if let value = fields["discovery"] { settings.discovery = try value.bool() }
        if let value = fields["discovery_prefix"] { settings.discoveryPrefix = try value.topic(example: "homeassistant") }
        if let value = fields["status_topic"] { settings.statusTopic = try value.topic(example: "homeassistant/status") }
        return settings
    }

    func parseWeb(_ node: ConfigNode?) throws(ConfigError) -> WebSettings {
        var settings = WebSettings()
        guard let node else { return settings }
        let fields = try node.mapping(accepting: Self.webKeys)
        if let value = fields["enabled"] { settings.enabled = try value.bool() }
        if let value = fields["host"] {
            settings.host = try value.string(expected: "an address to bind, such as 127.0.0.1 (or 0.0.0.0 for every interface, with auth_token)")
        }
        if let value = fields["port"] { settings.port = try value.integer(in: 0 ... 65_535, what: "a TCP port from 1 to 65535, or 0 for a free one") }
        if let value = fields["auth_token"], !value.isNull {
            let token = try value.string(expected: "a token of at least 16 characters, such as the output of: openssl rand -hex 16")
            guard token.count >= 16, !token.contains(where: { $0.isWhitespace }) else {
                throw value.error(is: "too short or contains spaces", expected: "a token of at least 16 characters without spaces, such as the output of: openssl rand -hex 16")
            }
            settings.authToken = token
        }
        return settings
    }

    func parseScan(_ fields: ConfigMapping) throws(ConfigError) -> ScanSettings {
        let hostsExpected = "nmap targets: a string such as \"192.168.1.0/24\" (several separated by commas or spaces) or a list of them"
        guard let hostsNode = fields["hosts"] else {
            throw fields.missing("hosts", expected: hostsExpected)
        }
        var settings = ScanSettings(hosts: try hostsNode.splitList(expected: hostsExpected))
        if settings.hosts.isEmpty {
            throw hostsNode.error(is: "empty", expected: hostsExpected)
        }
        if let value = fields["exclude"] {
            settings.exclude = try value.splitList(expected: "addresses or ranges not to scan: a string (several separated by commas or spaces) or a list")
        }
        if let value = fields["exclude_macs"] {
            settings.excludeMACs = try macList(value)
        }
        if let value = fields["scan_options"] {
            settings.scanOptions = try value.string(expected: "nmap options as one string, such as \"\(ScanSettings.defaultScanOptions)\"", allowEmpty: true)
        }
        if let value = fields["interval_seconds"] { settings.interval = try value.duration(unit: .seconds) }
        if let value = fields["home_interval"] { settings.homeInterval = try value.duration(unit: .minutes, allowZero: true) }
        if let value = fields["consider_home"] { settings.considerHome = try value.duration(unit: .seconds) }
        if let value = fields["timeout"] { settings.timeout = try value.duration(unit: .seconds) }
        if let value = fields["nmap_path"] {
            let text = try value.string(expected: "the nmap command, such as nmap or /usr/bin/nmap")
            settings.nmapPath = text.contains("/") ? ConfigFiles.absolute(text, relativeTo: configDirectory, environment: environment) : text
        }
        if let value = fields["listen"] { settings.listen = try value.bool() }
        try checkWithScanner(settings, fields)
        return settings
    }

    /// Targets and scan_options are judged by the scanner itself, so the bridge refuses exactly
    /// what nmap would misread (an option as a target, output redirection, a v4/v6 mix).
    private func checkWithScanner(_ settings: ScanSettings, _ fields: ConfigMapping) throws(ConfigError) {
        let scanner = ScannerConfiguration(targets: settings.hosts, exclude: settings.exclude, scanOptions: settings.scanOptions)
        do {
            try scanner.validate()
        } catch {
            let key: String
            switch error.kind {
            case .invalidExclude: key = "exclude"
            case .forbiddenOption, .unbalancedQuote: key = "scan_options"
            case .addressFamilyMismatch: key = error.value.hasPrefix("-") ? "scan_options" : "hosts"
            case .noTargets, .invalidTarget, .invalidSetting: key = "hosts"
            }
            let node = fields[key]
            throw ConfigError(keyPath: node?.path ?? "scan.\(key)", message: error.message, line: node?.line)
        }
    }

    /// MACs from a list, or from a string holding several separated by commas or spaces.
    private func macList(_ node: ConfigNode) throws(ConfigError) -> [String] {
        var macs: [String] = []
        for element in try node.elements() {
            let text = try element.string(expected: "MAC addresses such as aa:bb:cc:dd:ee:ff")
            for part in text.split(whereSeparator: { $0 == "," || $0.isWhitespace }) {
                guard let mac = MACAddress.normalized(ConfigText.trimmed(String(part))) else {
                    throw ConfigNode(node: Node(String(part), Tag(.str)), path: element.path).error(
                        is: "not a MAC address",
                        expected: "six hex bytes such as aa:bb:cc:dd:ee:ff (AA-BB-CC-DD-EE-FF, aabb.ccdd.eeff and aabbccddeeff also work)"
                    ).at(line: element.line)
                }
                if !macs.contains(mac) { macs.append(mac) }
            }
        }
        return macs
    }

    func parseDevices(_ node: ConfigNode?) throws(ConfigError) -> [DeviceEntry] {
        guard let node else { return [] }
        try node.checkTag()
        guard case .sequence = node.node else {
            throw node.error(is: "not a list", expected: "a list of devices, each like - mac: aa:bb:cc:dd:ee:ff with optional name, consider_home and track")
        }
        var devices: [DeviceEntry] = []
        var seen: [String: String] = [:]
        for element in try node.elements() {
            let fields = try element.mapping(accepting: Self.deviceKeys)
            guard let macNode = fields["mac"] else {
                throw fields.missing("mac", expected: "the device's MAC address, such as aa:bb:cc:dd:ee:ff")
            }
            var device = DeviceEntry(mac: try macNode.mac())
            if let first = seen[device.mac] {
                throw macNode.error("\(device.mac) is listed twice (also at \(first)); expected each MAC once")
            }
            seen[device.mac] = macNode.path
            if let value = fields["name"] { device.name = try value.string(expected: "a display name such as \"Anna's phone\"") }
            if let value = fields["consider_home"] { device.considerHome = try value.duration(unit: .seconds) }
            if let value = fields["track"] { device.track = try value.bool() }
            devices.append(device)
        }
        return devices
    }

    func parseLogLevel(_ node: ConfigNode) throws(ConfigError) -> Logger.Level {
        let names = Logger.Level.allCases.map(\.rawValue)
        let expected = "one of \(names.joined(separator: ", "))"
        let text = ConfigText.trimmed(try node.string(expected: expected)).lowercased()
        if text == "warn" { return .warning }
        guard let level = Logger.Level(rawValue: text) else {
            throw node.error(is: "not a log level", expected: expected)
        }
        return level
    }

    // MARK: - Paths

    /// A path from the file, made absolute against the config file's directory.
    func path(_ node: ConfigNode, expected: String) throws(ConfigError) -> String {
        ConfigFiles.absolute(try node.string(expected: expected), relativeTo: configDirectory, environment: environment)
    }

    /// A path that must name a readable file; returns the absolute path and the contents.
    func readableFile(_ node: ConfigNode, expected: String) throws(ConfigError) -> (path: String, contents: [UInt8]) {
        let given = try node.string(expected: expected)
        let absolute = ConfigFiles.absolute(given, relativeTo: configDirectory, environment: environment)
        switch ConfigFiles.read(absolute) {
        case .success(let data):
            return (absolute, Array(data))
        case .failure(let failure):
            let shown = given == absolute ? absolute : "\(ConfigText.quoted(given)) (\(absolute))"
            throw node.error("\(shown) cannot be read: \(failure.reason); expected \(expected)")
        }
    }
}

extension ConfigError {
    func at(line: Int?) -> ConfigError {
        var copy = self
        copy.line = line
        return copy
    }
}
