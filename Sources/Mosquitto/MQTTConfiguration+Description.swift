extension MQTTConfiguration: CustomStringConvertible, CustomDebugStringConvertible {
    /// Never shows the password, so a configuration can be logged or interpolated safely.
    public var description: String {
        let scheme = tls == nil ? "mqtt" : "mqtts"
        let user = username.map { "\($0)\(password == nil ? "" : ":********")@" } ?? ""
        return "\(scheme)://\(user)\(host):\(port) (MQTT \(protocolVersion), client id \(clientID))"
    }

    public var debugDescription: String { description }
}
