#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The broker connection.
///
/// `description`, `debugDescription` and the mirror mask the password, so printing or dumping a
/// configuration never reveals it.
public struct MQTTSettings: Sendable, Equatable {
    /// Broker host name or address. Default: `localhost` (env `NMAP2MQTT_MQTT_HOST`).
    public var host: String
    /// Broker port. Default: 1883, or 8883 when TLS is on (env `NMAP2MQTT_MQTT_PORT`).
    public var port: Int
    /// MQTT protocol version. Default: `.v5`.
    public var protocolVersion: MQTTProtocolSetting
    /// Client identifier; two bridges must not share one. Default: `nmap2mqtt-<hostname>`.
    public var clientID: String
    /// User name. Default: none (env `NMAP2MQTT_MQTT_USERNAME`).
    public var username: String?
    /// The password itself, already read from `password_file` when that was used. Never logged.
    /// Default: none (env `NMAP2MQTT_MQTT_PASSWORD`).
    public var password: String?
    /// Absolute path of the file the password came from, for display. Default: none.
    public var passwordFile: String?
    /// TLS to the broker; nil means plain TCP. Default: nil.
    public var tls: TLSSettings?
    /// MQTT keepalive; the broker drops the bridge (and publishes its will) after 1.5 times this. Default: 60 s.
    public var keepalive: Duration
    /// Prefix of every topic the bridge owns. Default: `nmap2mqtt`.
    public var baseTopic: String
    /// How often `last_seen` alone is refreshed in the attributes and the devices list; zero = only together
    /// with a change a user would notice (state, IP, name, ...). Default: 15 minutes.
    public var lastSeenRefresh: Duration

    public init(
        host: String = "localhost",
        port: Int? = nil,
        protocolVersion: MQTTProtocolSetting = .v5,
        clientID: String = MQTTSettings.defaultClientID(),
        username: String? = nil,
        password: String? = nil,
        passwordFile: String? = nil,
        tls: TLSSettings? = nil,
        keepalive: Duration = .seconds(60),
        baseTopic: String = "nmap2mqtt",
        lastSeenRefresh: Duration = .seconds(900)
    ) {
        self.host = host
        self.port = port ?? (tls == nil ? 1883 : 8883)
        self.protocolVersion = protocolVersion
        self.clientID = clientID
        self.username = username
        self.password = password
        self.passwordFile = passwordFile
        self.tls = tls
        self.keepalive = keepalive
        self.baseTopic = baseTopic
        self.lastSeenRefresh = lastSeenRefresh
    }

    /// `nmap2mqtt-<hostname>`: unique per machine, stable across restarts (so the broker can resume a session).
    public static func defaultClientID() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else {
            return "nmap2mqtt"
        }
        let name = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return name.isEmpty ? "nmap2mqtt" : "nmap2mqtt-\(name)"
    }
}

extension MQTTSettings: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    public var description: String {
        let user = username.map { "\($0)@" } ?? ""
        let secured = tls == nil ? "mqtt" : "mqtts"
        let masked = password == nil ? "" : " password ********"
        return "\(secured)://\(user)\(host):\(port) v\(protocolVersion.rawValue) client \(clientID) base \(baseTopic)\(masked)"
    }

    public var debugDescription: String {
        "MQTTSettings(\(description))"
    }

    public var customMirror: Mirror {
        Mirror(
            self,
            children: [
                "host": host,
                "port": port,
                "protocolVersion": protocolVersion,
                "clientID": clientID,
                "username": username as Any,
                "password": password == nil ? "nil" : "********",
                "passwordFile": passwordFile as Any,
                "tls": tls as Any,
                "keepalive": keepalive,
                "baseTopic": baseTopic,
                "lastSeenRefresh": lastSeenRefresh,
            ],
            displayStyle: .struct
        )
    }
}
