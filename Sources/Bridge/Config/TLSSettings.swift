/// TLS to the broker. Present in `MQTTSettings.tls` only when TLS is on.
public struct TLSSettings: Sendable, Equatable {
    /// Absolute path of the CA certificate(s) to trust. Default: none (the system's trust store).
    public var caFile: String?
    /// Absolute path of a client certificate, for brokers that authenticate clients by certificate. Default: none.
    public var certFile: String?
    /// Absolute path of the client certificate's private key. Default: none.
    public var keyFile: String?
    /// Skip verification of the broker's host name (testing only). Default: false.
    public var insecure: Bool

    public init(caFile: String? = nil, certFile: String? = nil, keyFile: String? = nil, insecure: Bool = false) {
        self.caFile = caFile
        self.certFile = certFile
        self.keyFile = keyFile
        self.insecure = insecure
    }
}
