import NmapScanner
import Yams

/// The settings in force, as YAML: what `check-config` prints. The password shows as `********`.
extension BridgeConfiguration {
    public static let maskedPassword = "********"

    /// Every key with its effective value (defaults filled in, environment applied, paths absolute).
    /// Valid YAML in the `config.yaml` layout; with no password set it parses back to an equal value.
    public var effectiveSettings: String {
        var lines: [String] = []
        func add(_ indent: Int, _ key: String, _ value: String? = nil) {
            let prefix = String(repeating: "  ", count: indent)
            lines.append(value.map { "\(prefix)\(key): \($0)" } ?? "\(prefix)\(key):")
        }
        /// Hosts cut into chunks (`scan.chunk_prefix`) say so, as a comment.
        func chunkNote(_ hosts: [String]) -> String {
            let chunks = ScanChunks.count(hosts, prefix: scan.chunkPrefix)
            return chunks > 1 ? "  # scanned as \(chunks) chunks, one nmap run each" : ""
        }
        func optional(_ text: String?) -> String {
            text.map(YAMLText.scalar) ?? "null"
        }

        if let configFile {
            lines.append("# effective settings of \(configFile)")
        }
        add(0, "mqtt")
        add(1, "host", YAMLText.scalar(mqtt.connection.host))
        add(1, "port", String(mqtt.connection.port))
        add(1, "protocol", YAMLText.quoted(mqtt.connection.protocolVersion.description))
        add(1, "client_id", YAMLText.scalar(mqtt.connection.clientID))
        add(1, "username", optional(mqtt.connection.username))
        if mqtt.connection.password != nil {
            let origin = mqtt.passwordFile.map { "  # read from \($0)" } ?? ""
            add(1, "password", YAMLText.quoted(Self.maskedPassword) + origin)
        } else {
            add(1, "password", "null")
        }
        if let tls = mqtt.connection.tls {
            add(1, "tls")
            add(2, "ca_file", optional(tls.caFile))
            add(2, "cert_file", optional(tls.certificateFile))
            add(2, "key_file", optional(tls.keyFile))
            add(2, "insecure", String(tls.insecure))
        } else {
            add(1, "tls", "false")
        }
        add(1, "keepalive", YAMLText.number(mqtt.connection.keepAlive, unit: .seconds))
        add(1, "base_topic", YAMLText.scalar(mqtt.baseTopic))
        add(1, "last_seen_refresh", YAMLText.number(mqtt.lastSeenRefresh, unit: .seconds))

        add(0, "homeassistant")
        add(1, "discovery", String(homeAssistant.discovery))
        add(1, "discovery_prefix", YAMLText.scalar(homeAssistant.discoveryPrefix))
        add(1, "status_topic", YAMLText.scalar(homeAssistant.statusTopic))

        add(0, "scan")
        if scan.targets.isEmpty {
            add(1, "hosts", YAMLText.list(scan.hosts) + chunkNote(scan.hosts))
        }
        add(1, "exclude", YAMLText.list(scan.exclude))
        add(1, "exclude_macs", YAMLText.list(scan.excludeMACs, alwaysQuote: true))
        add(1, "scan_options", YAMLText.quoted(scan.scanOptions))
        add(1, "interval_seconds", YAMLText.number(scan.interval, unit: .seconds))
        add(1, "home_interval", YAMLText.number(scan.homeInterval, unit: .minutes))
        add(1, "consider_home", YAMLText.number(scan.considerHome, unit: .seconds))
        add(1, "timeout", YAMLText.number(scan.timeout, unit: .seconds))
        add(1, "nmap_path", YAMLText.scalar(scan.nmapPath))
        add(1, "listen", String(scan.listen))
        add(1, "parallel", String(scan.parallel))
        add(1, "chunk_prefix", String(scan.chunkPrefix))
        if scan.targets.isEmpty {
            lines.append("  # targets: none; hosts is the one target, named \(ScanTarget.defaultName)")
        } else {
            add(1, "targets")
            for (entry, target) in zip(scan.targets, scan.effectiveTargets) {
                lines.append("    - name: \(YAMLText.scalar(entry.name))")
                add(3, "hosts", YAMLText.list(entry.hosts) + chunkNote(entry.hosts))
                // A key the target leaves out shows its inherited value as a comment, so the text parses
                // back to the same configuration and still says what is in force.
                func own(_ key: String, _ set: Bool, _ value: String) {
                    if set { add(3, key, value) } else { lines.append("      # \(key): \(value)  (from scan:)") }
                }
                own("exclude", entry.exclude != nil, YAMLText.list(target.exclude))
                own("scan_options", entry.scanOptions != nil, YAMLText.quoted(target.scanOptions))
                own("interval_seconds", entry.interval != nil, YAMLText.number(target.interval, unit: .seconds))
                own("home_interval", entry.homeInterval != nil, YAMLText.number(target.homeInterval, unit: .minutes))
                own("consider_home", entry.considerHome != nil, YAMLText.number(target.considerHome, unit: .seconds))
                own("timeout", entry.timeout != nil, YAMLText.number(target.timeout, unit: .seconds))
            }
        }

        if devices.isEmpty {
            add(0, "devices", "[]")
        } else {
            add(0, "devices")
            for device in devices {
                lines.append("  - mac: \(YAMLText.quoted(device.mac))")
                add(2, "name", optional(device.name))
                add(2, "consider_home", device.considerHome.map { YAMLText.number($0, unit: .seconds) } ?? "null")
                add(2, "track", String(device.track))
            }
        }
        add(0, "track_new_devices", String(trackNewDevices))
        add(0, "track_without_mac", String(trackWithoutMAC))
        add(0, "state_file", YAMLText.scalar(stateFile))
        add(0, "log_level", logLevel.rawValue)
        add(0, "node_id", YAMLText.scalar(nodeID))
        add(0, "web")
        add(1, "enabled", String(web.enabled))
        add(1, "host", YAMLText.scalar(web.host))
        add(1, "port", String(web.port))
        add(1, "auth_token", web.authToken == nil ? "null" : YAMLText.quoted(Self.maskedPassword))
        return lines.joined(separator: "\n") + "\n"
    }
}

/// Writing scalars so that YAML reads them back as the same text.
enum YAMLText {
    /// Plain when that is unambiguous (`localhost`, `/var/lib/x.json`), double-quoted otherwise.
    static func scalar(_ text: String) -> String {
        let safe = text.unicodeScalars.allSatisfy { scalar in
            (scalar.properties.isAlphabetic && scalar.isASCII) || ("0"..."9").contains(scalar) || "_./@-".unicodeScalars.contains(scalar)
        }
        guard safe, let first = text.unicodeScalars.first, first != "-", first != "@",
            ImplicitScalar.type(of: text) == .str
        else {
            return quoted(text)
        }
        return text
    }

    /// A YAML double-quoted scalar.
    static func quoted(_ text: String) -> String {
        ConfigText.quoted(text)
    }

    /// A flow list: `["192.0.2.0/24", "10.0.0.5"]`.
    static func list(_ items: [String], alwaysQuote: Bool = false) -> String {
        "[" + items.map { alwaysQuote ? quoted($0) : scalar($0) }.joined(separator: ", ") + "]"
    }

    /// A duration as a number of `unit` (`12`, `1.5`, `0.1`), or with an `s` suffix when minutes
    /// would need more than three decimals.
    static func number(_ duration: Duration, unit: ConfigDurationUnit) -> String {
        let (seconds, attoseconds) = duration.components
        let milliseconds = seconds * 1000 + attoseconds / 1_000_000_000_000_000
        let divisor: Int64 = unit == .seconds ? 1000 : 60_000
        guard (milliseconds * 1000) % divisor == 0 else {
            return quoted(decimal(thousandths: milliseconds) + "s")
        }
        return decimal(thousandths: milliseconds * 1000 / divisor)
    }

    private static func decimal(thousandths: Int64) -> String {
        let whole = thousandths / 1000
        var fraction = String(thousandths % 1000)
        guard fraction != "0" else { return String(whole) }
        fraction = String(repeating: "0", count: 3 - fraction.count) + fraction
        while fraction.hasSuffix("0") { fraction.removeLast() }
        return "\(whole).\(fraction)"
    }
}
