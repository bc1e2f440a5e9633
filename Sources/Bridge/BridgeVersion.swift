/// The version the bridge reports in `bridge/info`, discovery `origin` and `--version`.
public enum BridgeVersion {
    public static let current = "0.1.0"
    public static let supportURL = "https://github.com/nmap2mqtt/nmap2mqtt"
}
