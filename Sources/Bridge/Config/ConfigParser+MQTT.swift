import Yams

/// The `mqtt:` section, with the `NMAP2MQTT_MQTT_*` environment overrides applied on top.
extension ConfigParser {
    static let portExpectation = (range: 1...65_535, what: "a port")

    func parseMQTT(_ node: ConfigNode?) throws(ConfigError) -> MQTTSettings {
        let fields = try node?.mapping(accepting: Self.mqttKeys, hints: Self.mqttHints)
            ?? ConfigMapping(node: ConfigNode(node: Node([(Node, Node)]()), path: "mqtt"), entries: [])

        let tls = try parseTLS(fields["tls"])
        var settings = MQTTSettings(tls: tls)

        if let value = try override(fields["host"], variable: "NMAP2MQTT_MQTT_HOST", path: fields.path(of: "host")) {
            settings.host = try host(value)
        }
        if let value = try override(fields["port"], variable: "NMAP2MQTT_MQTT_PORT", path: fields.path(of: "port")) {
            settings.port = try annotated(value) { node throws(ConfigError) in
                try node.integer(in: Self.portExpectation.range, what: Self.portExpectation.what)
            }
        }
        if let value = fields["protocol"] {
            settings.protocolVersion = try protocolVersion(value)
        }
        if let value = fields["client_id"] {
            settings.clientID = try value.string(expected: "a client identifier such as nmap2mqtt-livingroom (unique per broker)")
        }
        if let value = try override(fields["username"], variable: "NMAP2MQTT_MQTT_USERNAME", path: fields.path(of: "username")) {
            settings.username = try annotated(value) { node throws(ConfigError) in
                try node.string(expected: "a user name, or leave mqtt.username out")
            }
        }

        let passwordNode = try override(fields["password"], variable: "NMAP2MQTT_MQTT_PASSWORD", path: fields.path(of: "password"))?.secret()
        if let passwordNode {
            if let fileNode = fields["password_file"], fields.has("password") {
                throw fileNode.error("is given together with mqtt.password; expected only one of them")
            }
            let password = try passwordNode.string(expected: "the password as text", allowEmpty: true)
            if password.contains(where: \.isNewline) {
                // Usually a block scalar (`password: |`) that kept its final newline.
                throw passwordNode.error(is: "more than one line", expected: "the password on one line (quote it, or use |- to drop a final newline)")
            }
            settings.password = password
        } else if let fileNode = fields["password_file"] {
            let file = try readableFile(fileNode, expected: "a readable file holding the password")
            settings.password = try password(from: file.contents, node: fileNode)
            settings.passwordFile = file.path
        }
        if settings.password != nil, settings.username == nil, settings.protocolVersion == .v311 {
            throw fields.missing("username", expected: "a user name: MQTT 3.1.1 sends a password only together with a user name (or use mqtt.protocol: 5)")
        }

        if let value = fields["keepalive"] {
            let keepalive = try value.duration(unit: .seconds)
            let (seconds, fraction) = keepalive.components
            guard fraction == 0, (5...65_535).contains(seconds) else {
                throw value.error(is: "not a keepalive libmosquitto accepts", expected: "a whole number of seconds from 5 to 65535")
            }
            settings.keepalive = keepalive
        }
        if let value = fields["base_topic"] {
            settings.baseTopic = try value.topic(example: "nmap2mqtt")
        }
        if let value = fields["last_seen_refresh"] {
            settings.lastSeenRefresh = try value.duration(unit: .seconds, allowZero: true)
        }
        return settings
    }

    /// The environment variable's value as a node at `path`, else the file's node.
    /// An empty variable counts as unset (compose files often pass `VAR=` through).
    private func override(_ node: ConfigNode?, variable: String, path: String) throws(ConfigError) -> ConfigNode? {
        guard let value = environment[variable], !value.isEmpty else {
            return node
        }
        return ConfigNode(node: Node(value, Tag(.str), .doubleQuoted), path: path, environmentVariable: variable)
    }

    /// Errors about a value from the environment say which variable it came from.
    private func annotated<T>(_ node: ConfigNode, _ read: (ConfigNode) throws(ConfigError) -> T) throws(ConfigError) -> T {
        do {
            return try read(node)
        } catch {
            guard let variable = node.environmentVariable else { throw error }
            var annotated = error
            annotated.message += " (the value came from the environment variable \(variable))"
            throw annotated
        }
    }

    private func host(_ node: ConfigNode) throws(ConfigError) -> String {
        try annotated(node) { node throws(ConfigError) in
            let expected = "a host name or address alone, such as localhost or 192.168.1.2 (the port goes in mqtt.port)"
            let text = ConfigText.trimmed(try node.string(expected: expected))
            if text.contains("://") || text.contains(where: \.isWhitespace) || text.contains("/") {
                throw node.error(is: "not a host name", expected: expected)
            }
            return text
        }
    }

    private func protocolVersion(_ node: ConfigNode) throws(ConfigError) -> MQTTProtocolSetting {
        let text = ConfigText.trimmed(try node.string(expected: "5 or 3.1.1")).lowercased()
        var version = Substring(text)
        if version.hasPrefix("mqtt") { version = version.dropFirst(4) }
        if version.hasPrefix("v") { version = version.dropFirst() }
        switch version {
        case "5", "5.0": return .v5
        case "3.1.1", "311": return .v311
        default: throw node.error(is: "not a supported MQTT protocol", expected: "5 or 3.1.1")
        }
    }

    /// The first line of the file; a trailing newline is not part of the password.
    private func password(from contents: [UInt8], node: ConfigNode) throws(ConfigError) -> String {
        guard var text = String(validating: contents, as: UTF8.self) else {
            throw node.error("holds something that is not UTF-8 text; expected a file holding the password")
        }
        while text.hasSuffix("\n") || text.hasSuffix("\r") || text.hasSuffix("\r\n") {
            text.removeLast()
        }
        if text.isEmpty {
            throw node.error("names an empty file; expected a file holding the password")
        }
        if text.contains(where: \.isNewline) {
            throw node.error("names a file of more than one line; expected a file holding only the password")
        }
        return text
    }

    func parseTLS(_ node: ConfigNode?) throws(ConfigError) -> TLSSettings? {
        guard let node else { return nil }
        if case .scalar = node.node {
            return try node.bool() ? TLSSettings() : nil
        }
        let fields = try node.mapping(accepting: Self.tlsKeys)
        var settings = TLSSettings()
        if let value = fields["ca_file"] {
            settings.caFile = try readableFile(value, expected: "a readable PEM file of CA certificates").path
        }
        if let value = fields["cert_file"] {
            settings.certFile = try readableFile(value, expected: "a readable PEM client certificate").path
        }
        if let value = fields["key_file"] {
            settings.keyFile = try readableFile(value, expected: "a readable PEM private key").path
        }
        if let value = fields["insecure"] {
            settings.insecure = try value.bool()
        }
        if settings.certFile != nil, settings.keyFile == nil {
            throw fields.missing("key_file", expected: "the client certificate's key, since mqtt.tls.cert_file is set")
        }
        if settings.keyFile != nil, settings.certFile == nil {
            throw fields.missing("cert_file", expected: "the client certificate, since mqtt.tls.key_file is set")
        }
        return settings
    }
}
