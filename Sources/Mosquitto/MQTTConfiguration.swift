/// How to reach and talk to the broker. Plain values: nothing here touches the network.
public struct MQTTConfiguration: Sendable, Hashable {
    /// TLS to the broker. The server certificate is verified unless `insecure` says otherwise.
    public struct TLS: Sendable, Hashable {
        /// PEM file of the CA(s) that sign the broker's certificate. Default: none.
        public var caFile: String?
        /// Directory of hashed CA certificates (`c_rehash`). Default: none.
        public var caDirectory: String?
        /// PEM client certificate, for brokers that require one. Default: none.
        public var certificateFile: String?
        /// PEM key of the client certificate. Default: none.
        public var keyFile: String?
        /// Skips the host-name check of the broker's certificate; for testing only. Default: false.
        public var insecure: Bool
        /// Trust the operating system's CA store when no CA file or directory is given. Default: true.
        public var useSystemCAs: Bool

        public init(
            caFile: String? = nil, caDirectory: String? = nil, certificateFile: String? = nil, keyFile: String? = nil,
            insecure: Bool = false, useSystemCAs: Bool = true
        ) {
            self.caFile = caFile
            self.caDirectory = caDirectory
            self.certificateFile = certificateFile
            self.keyFile = keyFile
            self.insecure = insecure
            self.useSystemCAs = useSystemCAs
        }
    }

    /// Default: `localhost`.
    public var host: String
    /// Default: 1883, or 8883 with TLS.
    public var port: Int
    /// Default: `nmap2mqtt-<random>`.
    public var clientID: String
    /// Default: 60 s.
    public var keepAlive: Duration
    /// Start without a stored session. Default: true.
    public var cleanSession: Bool
    /// Default: none.
    public var username: String?
    /// Default: none. Never logged.
    public var password: String?
    /// Default: none (plain TCP).
    public var tls: TLS?
    /// Default: MQTT 5.
    public var protocolVersion: MQTTProtocolVersion
    /// Default: none.
    public var will: MQTTWill?
    /// First delay before reconnecting; doubles up to `maximumReconnectDelay`. Default: 1 s.
    public var minimumReconnectDelay: Duration
    /// Default: 30 s.
    public var maximumReconnectDelay: Duration
    /// Received messages held for a slow consumer before new ones are dropped (and logged). Default: 10,000.
    public var messageBufferSize: Int

    public init(
        host: String = "localhost", port: Int? = nil, clientID: String? = nil, keepAlive: Duration = .seconds(60),
        cleanSession: Bool = true, username: String? = nil, password: String? = nil, tls: TLS? = nil,
        protocolVersion: MQTTProtocolVersion = .v5, will: MQTTWill? = nil,
        minimumReconnectDelay: Duration = .seconds(1), maximumReconnectDelay: Duration = .seconds(30),
        messageBufferSize: Int = 10_000
    ) {
        self.host = host
        self.port = port ?? (tls == nil ? 1883 : 8883)
        self.clientID = clientID ?? "nmap2mqtt-\(UInt32.random(in: 0 ... .max))"
        self.keepAlive = keepAlive
        self.cleanSession = cleanSession
        self.username = username
        self.password = password
        self.tls = tls
        self.protocolVersion = protocolVersion
        self.will = will
        self.minimumReconnectDelay = minimumReconnectDelay
        self.maximumReconnectDelay = maximumReconnectDelay
        self.messageBufferSize = messageBufferSize
    }
}
