import Mosquitto

/// `mqtt.tls:` read straight into the MQTT client's own TLS settings: `true` is TLS with the system's
/// trust store, a mapping names the files; `false` is read by `MQTTSettings` as none.
extension MQTTConfiguration.TLS: ConfigDecodable {
    enum CodingKeys: String, ConfigKeys {
        case caFile = "ca_file"
        case certFile = "cert_file"
        case keyFile = "key_file"
        case insecure
    }

    init(from decoder: ConfigDecoder) throws(ConfigError) {
        self.init()
        if case .scalar = decoder.node.node { return }
        let fields = try decoder.fields(CodingKeys.self)
        caFile = try fields.readableFile(.caFile, expected: "a readable PEM file of CA certificates")?.path
        certificateFile = try fields.readableFile(.certFile, expected: "a readable PEM client certificate")?.path
        keyFile = try fields.readableFile(.keyFile, expected: "a readable PEM private key")?.path
        try fields.read(.insecure, into: &insecure)
        if certificateFile != nil, keyFile == nil {
            throw fields.missing(.keyFile, expected: "the client certificate's key, since mqtt.tls.cert_file is set")
        }
        if keyFile != nil, certificateFile == nil {
            throw fields.missing(.certFile, expected: "the client certificate, since mqtt.tls.key_file is set")
        }
    }
}
