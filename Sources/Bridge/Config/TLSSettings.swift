/// TLS to the broker. Present in `MQTTSettings.tls` only when TLS is on.
public struct TLSSettings: Sendable, Equatable {
    /// Absolute path of the CA certificate(s) to trust. Default: none (the system's trust store).
    public var caFile: String? = nil
    /// Absolute path of a client certificate, for brokers that authenticate clients by certificate. Default: none.
    public var certFile: String? = nil
    /// Absolute path of the client certificate's private key. Default: none.
    public var keyFile: String? = nil
    /// Skip verification of the broker's host name (testing only). Default: false.
    public var insecure: Bool = false
}

extension TLSSettings: ConfigDecodable {
    enum CodingKeys: String, ConfigKeys {
        case caFile = "ca_file", certFile = "cert_file", keyFile = "key_file", insecure
    }

    /// `tls: true` is TLS with the system's trust store; `tls: false` is read by `MQTTSettings` as none.
    init(from decoder: ConfigDecoder) throws(ConfigError) {
        self.init()
        if case .scalar = decoder.node.node { return }
        let fields = try decoder.fields(CodingKeys.self)
        caFile = try fields.readableFile(.caFile, expected: "a readable PEM file of CA certificates")?.path
        certFile = try fields.readableFile(.certFile, expected: "a readable PEM client certificate")?.path
        keyFile = try fields.readableFile(.keyFile, expected: "a readable PEM private key")?.path
        try fields.read(.insecure, into: &insecure)
        if certFile != nil, keyFile == nil {
            throw fields.missing(.keyFile, expected: "the client certificate's key, since mqtt.tls.cert_file is set")
        }
        if keyFile != nil, certFile == nil {
            throw fields.missing(.certFile, expected: "the client certificate, since mqtt.tls.key_file is set")
        }
    }
}
