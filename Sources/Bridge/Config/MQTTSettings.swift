import Mosquitto

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The `mqtt:` section: the broker connection in the MQTT client's own terms, and the bridge's topics.
///
/// `description`, `debugDescription` and the mirror mask the password, so printing or dumping a
/// configuration never reveals it.
public struct MQTTSettings: Sendable, Equatable {
    /// Host (`localhost`, env `NMAP2MQTT_MQTT_HOST`), port (1883, or 8883 with TLS; env
    /// `NMAP2MQTT_MQTT_PORT`), protocol (5), client id (`nmap2mqtt-<hostname>`; two bridges must not share
    /// one), user name and password (none; env `NMAP2MQTT_MQTT_USERNAME`, `NMAP2MQTT_MQTT_PASSWORD`; the
    /// password already read from `password_file` when that was used, never logged), TLS (none) and
    /// keepalive (60 s; the broker drops the bridge, and publishes its will, after 1.5 times this). The
    /// bridge adds its will.
    public var connection = MQTTConfiguration(clientID: MQTTSettings.defaultClientID())
    /// Absolute path of the file the password came from, for display. Default: none.
    public var passwordFile: String? = nil
    /// Prefix of every topic the bridge owns. Default: `nmap2mqtt`.
    public var baseTopic = "nmap2mqtt"
    /// How often `last_seen` alone is refreshed in the attributes and the devices list; zero = only together
    /// with a change a user would notice (state, IP, name, ...). Default: 15 minutes.
    public var lastSeenRefresh: Duration = .seconds(900)

    /// `nmap2mqtt-<hostname>-<run>`: `<run>` is random per process, so two processes with one config (a
    /// copied config, a cloned SD card) never throw each other off the broker, which allows one connection
    /// per client id; the household then tells them apart (docs/HOUSEHOLD.md). The bridge's sessions are
    /// clean, so a new id per run loses nothing.
    public static func defaultClientID() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else {
            return defaultClientID(for: "nmap2mqtt")
        }
        let name = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return name.isEmpty ? defaultClientID(for: "nmap2mqtt") : defaultClientID(for: name)
    }

    /// `nmap2mqtt-<name>-<run>`, the default client id of a node named `name`.
    public static func defaultClientID(for name: String) -> String {
        name == "nmap2mqtt" ? "nmap2mqtt-\(runSuffix)" : "nmap2mqtt-\(name)-\(runSuffix)"
    }

    /// Six hex digits, drawn once per process.
    static let runSuffix = String(UInt32.random(in: 0x10_0000...0xFF_FFFF), radix: 16)
}

extension MQTTSettings: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    public var description: String {
        let user = connection.username.map { "\($0)@" } ?? ""
        let secured = connection.tls == nil ? "mqtt" : "mqtts"
        let masked = connection.password == nil ? "" : " password ********"
        return
            "\(secured)://\(user)\(connection.host):\(connection.port) v\(connection.protocolVersion) client \(connection.clientID) base \(baseTopic)\(masked)"
    }

    public var debugDescription: String {
        "MQTTSettings(\(description))"
    }

    public var customMirror: Mirror {
        Mirror(
            self,
            children: [
                "host": connection.host,
                "port": connection.port,
                "protocolVersion": connection.protocolVersion,
                "clientID": connection.clientID,
                "username": connection.username as Any,
                "password": connection.password == nil ? "nil" : "********",
                "passwordFile": passwordFile as Any,
                "tls": connection.tls as Any,
                "keepalive": connection.keepAlive,
                "baseTopic": baseTopic,
                "lastSeenRefresh": lastSeenRefresh,
            ],
            displayStyle: .struct
        )
    }
}

/// The `mqtt:` section, with the `NMAP2MQTT_MQTT_*` environment overrides applied on top.
extension MQTTSettings: ConfigDecodable {
    enum CodingKeys: String, ConfigKeys {
        case host, port, `protocol`
        case clientID = "client_id"
        case username, password
        case passwordFile = "password_file"
        case tls, keepalive
        case baseTopic = "base_topic"
        case lastSeenRefresh = "last_seen_refresh"

        static let hints: [String: String] = [
            "user": "did you mean \"username\"?",
            "pass": "did you mean \"password\"?",
            "server": "did you mean \"host\"?",
            "broker": "did you mean \"host\"?",
            "version": "did you mean \"protocol\"?",
            "protocol_version": "did you mean \"protocol\"?",
            "topic": "did you mean \"base_topic\"?",
        ]
    }

    init(from decoder: ConfigDecoder) throws(ConfigError) {
        let fields = try decoder.fields(CodingKeys.self)
        let tls =
            try fields.value(.tls) { node throws(ConfigError) -> MQTTConfiguration.TLS? in
                if case .scalar = node.node, !(try node.bool()) { return nil }
                return try decoder.decode(MQTTConfiguration.TLS.self, from: node)
            } ?? nil
        let port = try fields.overridden(.port, by: "NMAP2MQTT_MQTT_PORT") { node throws(ConfigError) in
            try node.integer(in: 1...65_535, what: "a port")
        }
        var connection = MQTTConfiguration(port: port, clientID: Self.defaultClientID(), tls: tls)
        connection.host = try fields.overridden(.host, by: "NMAP2MQTT_MQTT_HOST", Self.host) ?? connection.host
        try fields.read(.protocol, into: &connection.protocolVersion) { node throws(ConfigError) in try MQTTProtocolVersion(config: node) }
        try fields.read(.clientID, into: &connection.clientID, expected: "a client identifier such as nmap2mqtt-livingroom (unique per broker)")
        connection.username = try fields.overridden(.username, by: "NMAP2MQTT_MQTT_USERNAME") { node throws(ConfigError) in
            try node.string(expected: "a user name, or leave mqtt.username out")
        }
        var passwordFile: String?
        if let password = try fields.overridden(
            .password, by: "NMAP2MQTT_MQTT_PASSWORD", { node throws(ConfigError) in try Self.password(node.secret()) })
        {
            if let fileNode = fields[.passwordFile], fields.has(.password) {
                throw fileNode.error("is given together with mqtt.password; expected only one of them")
            }
            connection.password = password
        } else if let fileNode = fields[.passwordFile],
            let file = try fields.readableFile(.passwordFile, expected: "a readable file holding the password")
        {
            connection.password = try Self.password(fromFile: file.contents, node: fileNode)
            passwordFile = file.path
        }
        if connection.password != nil, connection.username == nil, connection.protocolVersion == .v311 {
            throw fields.missing(
                .username, expected: "a user name: MQTT 3.1.1 sends a password only together with a user name (or use mqtt.protocol: 5)")
        }
        try fields.read(.keepalive, into: &connection.keepAlive) { node throws(ConfigError) in
            let keepalive = try node.duration(unit: .seconds)
            let (seconds, fraction) = keepalive.components
            guard fraction == 0, (5...65_535).contains(seconds) else {
                throw node.error(is: "not a keepalive libmosquitto accepts", expected: "a whole number of seconds from 5 to 65535")
            }
            return keepalive
        }
        self.init(connection: connection, passwordFile: passwordFile)
        try fields.read(.baseTopic, into: &baseTopic) { node throws(ConfigError) in try node.topic(example: "nmap2mqtt") }
        try fields.read(.lastSeenRefresh, into: &lastSeenRefresh, unit: .seconds, allowZero: true)
    }

    private static func host(_ node: ConfigNode) throws(ConfigError) -> String {
        let expected = "a host name or address alone, such as localhost or 192.168.1.2 (the port goes in mqtt.port)"
        let text = ConfigText.trimmed(try node.string(expected: expected))
        if text.contains("://") || text.contains(where: \.isWhitespace) || text.contains("/") {
            throw node.error(is: "not a host name", expected: expected)
        }
        return text
    }

    private static func password(_ node: ConfigNode) throws(ConfigError) -> String {
        let password = try node.string(expected: "the password as text", allowEmpty: true)
        if password.contains(where: \.isNewline) {
            // Usually a block scalar (`password: |`) that kept its final newline.
            throw node.error(is: "more than one line", expected: "the password on one line (quote it, or use |- to drop a final newline)")
        }
        return password
    }

    /// The first line of the file; a trailing newline is not part of the password.
    private static func password(fromFile contents: [UInt8], node: ConfigNode) throws(ConfigError) -> String {
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
}
