import Foundation
import Logging
import Mosquitto
import Testing

@testable import Bridge

@Suite("Configuration: good input")
struct ConfigTests {
    static let repositoryRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

    private func parse(_ yaml: String, directory: String = "/etc/nmap2mqtt", environment: [String: String] = [:]) throws -> BridgeConfiguration {
        try BridgeConfiguration.parse(yaml: yaml, configDirectory: directory, environment: environment)
    }

    @Test("the minimal config gets every default")
    func minimal() throws {
        let configuration = try parse("scan: {hosts: 192.0.2.0/24}")
        let expected = BridgeConfiguration(
            mqtt: MQTTSettings(
                connection: MQTTConfiguration(
                    host: "localhost", port: 1883, clientID: MQTTSettings.defaultClientID(), keepAlive: .seconds(60),
                    username: nil, password: nil, tls: nil, protocolVersion: .v5
                ),
                baseTopic: "nmap2mqtt"
            ),
            homeAssistant: HomeAssistantSettings(discovery: true, discoveryPrefix: "homeassistant", statusTopic: "homeassistant/status"),
            scan: ScanSettings(
                hosts: ["192.0.2.0/24"], exclude: [], excludeMACs: [], scanOptions: "-F --host-timeout 5s",
                interval: .seconds(12), homeInterval: .zero, considerHome: .seconds(180), timeout: .seconds(300), nmapPath: "nmap"
            ),
            devices: [],
            trackNewDevices: true,
            trackWithoutMAC: false,
            stateFile: "/etc/nmap2mqtt/nmap2mqtt-state.json",
            logLevel: .info,
            configFile: nil
        )
        #expect(configuration == expected)
        #expect(configuration.mqtt.connection.clientID.hasPrefix("nmap2mqtt-"))
        #expect(configuration.mqtt.connection.clientID.count > "nmap2mqtt-".count)
    }

    @Test("config.sample.yaml parses and equals the documented defaults")
    func sampleFile() throws {
        let path = Self.repositoryRoot + "/config.sample.yaml"
        let configuration = try BridgeConfiguration.load(path: path, environment: [:])
        var expected = BridgeConfiguration(
            scan: ScanSettings(hosts: ["192.168.1.0/24"]),
            stateFile: Self.repositoryRoot + "/nmap2mqtt-state.json"
        )
        expected.configFile = path
        #expect(configuration == expected)
    }

    @Test("every key of the sample is documented with a comment, and commented-out examples parse")
    func sampleComments() throws {
        let text = try String(contentsOfFile: Self.repositoryRoot + "/config.sample.yaml", encoding: .utf8)
        let keyLines = text.split(separator: "\n").filter { line in
            !line.trimmingCharacters(in: .whitespaces).hasPrefix("#") && line.contains(":")
        }
        for line in keyLines where !line.hasSuffix(":") {
            #expect(line.contains(" # "), "no comment on: \(line)")
        }
        for key in ConfigTests.declaredKeys where key != "device_tracker" {
            #expect(text.contains("\(key):"), "sample lacks \(key)")
        }
        // Uncomment the examples: the TLS mapping (in place of tls: false) and the devices list.
        let directory = try ConfigTestDirectory()
        defer { directory.remove() }
        for name in ["ca.crt", "client.crt", "client.key"] {
            try directory.write(name, "PEM\n")
        }
        // The targets example stands in place of scan.hosts.
        let uncommented = Self.uncommented(sample: text).split(separator: "\n", omittingEmptySubsequences: false)
            .filter { !$0.hasPrefix("  hosts:") }.joined(separator: "\n")
        let configuration = try parse(uncommented, directory: directory.path)
        #expect(
            configuration.mqtt.connection.tls
                == MQTTConfiguration.TLS(
                    caFile: directory.path + "/ca.crt", certificateFile: directory.path + "/client.crt", keyFile: directory.path + "/client.key",
                    insecure: false
                ))
        #expect(configuration.mqtt.connection.port == 8883)
        #expect(configuration.devices == [DeviceEntry(mac: "aa:bb:cc:dd:ee:ff", name: "Anna's phone", considerHome: .seconds(600), track: true)])
        #expect(configuration.scan.effectiveTargets.map(\.name) == ["phones", "iot"])
        #expect(configuration.scan.effectiveTargets.map(\.interval) == [.seconds(10), .seconds(60)])
    }

    /// The sample with its commented-out examples (the TLS mapping, the devices list, the scan targets)
    /// taken in.
    static func uncommented(sample text: String) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: false)
            .filter { !$0.hasPrefix("  tls: false") && !$0.hasPrefix("devices: []") }
            .joined(separator: "\n")
            .replacingOccurrences(of: "  #tls:", with: "  tls:")
            .replacingOccurrences(of: "  #targets:", with: "  targets:")
            .replacingOccurrences(of: "  #  ", with: "    ")
            .replacingOccurrences(of: "#devices:", with: "devices:")
            .replacingOccurrences(of: "#  - mac:", with: "  - mac:")
            .replacingOccurrences(of: "#    ", with: "    ")
    }

    @Test("environment variables override the file; empty ones count as unset")
    func environmentOverrides() throws {
        let directory = try ConfigTestDirectory()
        defer { directory.remove() }
        try directory.write("secret.txt", "from-file\n")
        let yaml = """
            mqtt:
              host: file-host
              port: 1884
              username: file-user
              password_file: secret.txt
            scan:
              hosts: 192.0.2.0/24
            """
        let fromFile = try parse(yaml, directory: directory.path)
        #expect(fromFile.mqtt.connection.host == "file-host")
        #expect(fromFile.mqtt.connection.port == 1884)
        #expect(fromFile.mqtt.connection.username == "file-user")
        #expect(fromFile.mqtt.connection.password == "from-file")
        #expect(fromFile.mqtt.passwordFile == directory.path + "/secret.txt")

        let overridden = try parse(
            yaml, directory: directory.path,
            environment: [
                "NMAP2MQTT_MQTT_HOST": "broker.example",
                "NMAP2MQTT_MQTT_PORT": "2883",
                "NMAP2MQTT_MQTT_USERNAME": "env-user",
                "NMAP2MQTT_MQTT_PASSWORD": "env-password",
            ])
        #expect(overridden.mqtt.connection.host == "broker.example")
        #expect(overridden.mqtt.connection.port == 2883)
        #expect(overridden.mqtt.connection.username == "env-user")
        #expect(overridden.mqtt.connection.password == "env-password")
        #expect(overridden.mqtt.passwordFile == nil)

        let empty = try parse(yaml, directory: directory.path, environment: ["NMAP2MQTT_MQTT_HOST": "", "NMAP2MQTT_MQTT_PASSWORD": ""])
        #expect(empty == fromFile)

        let noFileNeeded = try parse(
            "mqtt:\n  password_file: missing.txt\nscan:\n  hosts: 192.0.2.0/24", directory: directory.path,
            environment: [
                "NMAP2MQTT_MQTT_PASSWORD": "env-password"
            ])
        #expect(noFileNeeded.mqtt.connection.password == "env-password")
    }

    @Test("a Home Assistant device_tracker block is read as scan")
    func homeAssistantDeviceTracker() throws {
        let yaml = """
            device_tracker:
              - platform: nmap_tracker
                hosts:
                  - 192.0.2.0/24
                  - 198.18.0.2
                home_interval: 10
                exclude:
                 - 192.0.2.12
                 - 192.0.2.13
                scan_options: " --privileged -sP "
                consider_home: 00:03:30
                interval_seconds: 30
                new_device_defaults:
                  track_new_devices: false
            """
        let configuration = try parse(yaml)
        #expect(
            configuration.scan
                == ScanSettings(
                    hosts: ["192.0.2.0/24", "198.18.0.2"],
                    exclude: ["192.0.2.12", "192.0.2.13"],
                    scanOptions: " --privileged -sP ",
                    interval: .seconds(30),
                    homeInterval: .seconds(600),
                    considerHome: .seconds(210)
                ))
        #expect(configuration.trackNewDevices == false)

        // The single-mapping form, as in the Home Assistant docs' capabilities example.
        let single = try parse("device_tracker:\n  platform: nmap_tracker\n  hosts: 192.0.2.1-25\n  track_new_devices: true\n")
        #expect(single.scan.hosts == ["192.0.2.1-25"])
        #expect(single.trackNewDevices == true)
    }

    @Test("relative paths are taken from the config file's directory")
    func relativePaths() throws {
        let directory = try ConfigTestDirectory()
        defer { directory.remove() }
        try directory.write("secrets/mqtt-password", "pw\n")
        try directory.write("tls/ca.pem", "PEM\n")
        let yaml = """
            mqtt:
              username: me
              password_file: secrets/mqtt-password
              tls:
                ca_file: ./tls/ca.pem
            scan:
              hosts: 192.0.2.0/24
              nmap_path: bin/../bin/nmap
            state_file: state/presence.json
            """
        try directory.write("config.yaml", yaml)
        let configuration = try BridgeConfiguration.load(path: directory.path + "/config.yaml", environment: [:])
        #expect(configuration.configFile == directory.path + "/config.yaml")
        #expect(configuration.mqtt.connection.password == "pw")
        #expect(configuration.mqtt.passwordFile == directory.path + "/secrets/mqtt-password")
        #expect(configuration.mqtt.connection.tls?.caFile == directory.path + "/tls/ca.pem")
        #expect(configuration.mqtt.connection.port == 8883)
        #expect(configuration.stateFile == directory.path + "/state/presence.json")
        #expect(configuration.scan.nmapPath == directory.path + "/bin/nmap")

        let absolute = try parse("scan:\n  hosts: 192.0.2.0/24\nstate_file: /var/lib/nmap2mqtt/state.json", directory: directory.path)
        #expect(absolute.stateFile == "/var/lib/nmap2mqtt/state.json")
        let home = try parse("scan:\n  hosts: 192.0.2.0/24\nstate_file: ~/state.json", directory: directory.path, environment: ["HOME": "/home/anna"])
        #expect(home.stateFile == "/home/anna/state.json")
    }

    /// Under systemd's ProtectSystem=strict the config directory is read-only; StateDirectory= is not.
    @Test("state_file defaults to state.json in systemd's STATE_DIRECTORY, else beside the config; an explicit state_file wins")
    func stateFileDefault() throws {
        let hosts = "scan:\n  hosts: 192.0.2.0/24"
        let systemd = ["STATE_DIRECTORY": "/var/lib/nmap2mqtt"]
        #expect(try parse(hosts, environment: systemd).stateFile == "/var/lib/nmap2mqtt/state.json")
        #expect(try parse(hosts + "\nstate_file: null", environment: systemd).stateFile == "/var/lib/nmap2mqtt/state.json")
        #expect(
            try parse(hosts, environment: ["STATE_DIRECTORY": "/var/lib/nmap2mqtt/:/var/lib/other"]).stateFile == "/var/lib/nmap2mqtt/state.json",
            "several state directories: the first")
        #expect(try parse(hosts, environment: [:]).stateFile == "/etc/nmap2mqtt/nmap2mqtt-state.json")
        #expect(try parse(hosts, environment: ["STATE_DIRECTORY": ""]).stateFile == "/etc/nmap2mqtt/nmap2mqtt-state.json", "empty counts as unset")
        #expect(try parse(hosts + "\nstate_file: presence.json", environment: systemd).stateFile == "/etc/nmap2mqtt/presence.json")
        #expect(try parse(hosts + "\nstate_file: /srv/state.json", environment: systemd).stateFile == "/srv/state.json")

        // The same through the file loader the executable calls with its environment.
        let directory = try ConfigTestDirectory()
        defer { directory.remove() }
        let config = try directory.write("config.yaml", hosts)
        let stateDirectory = directory.path + "/state"
        #expect(
            try BridgeConfiguration.load(path: config, environment: ["STATE_DIRECTORY": stateDirectory]).stateFile == stateDirectory + "/state.json")
        #expect(try BridgeConfiguration.load(path: config, environment: [:]).stateFile == directory.path + "/nmap2mqtt-state.json")
        #expect(
            try BridgeConfiguration.load(path: config, environment: ["STATE_DIRECTORY": stateDirectory]).effectiveSettings
                .contains("state_file: \(stateDirectory)/state.json"), "check-config shows where the file is")
    }

    @Test("effectiveSettings lists every key and masks the password")
    func effectiveSettingsMasksPassword() throws {
        let configuration = try parse("mqtt:\n  username: me\n  password: Hunter2-Sup3rSecret\nscan:\n  hosts: 192.0.2.0/24")
        let text = configuration.effectiveSettings
        #expect(text.contains("password: \"********\""))
        #expect(!text.contains("Hunter2"))
        for key in ConfigTests.declaredKeys
        where !["password_file", "device_tracker", "ca_file", "cert_file", "key_file", "insecure", "mac", "name", "track"].contains(key) {
            #expect(text.contains("\(key):"), "effective settings lack \(key)")
        }
        // Printing or dumping the configuration does not reveal it either.
        var dumped = ""
        dump(configuration, to: &dumped)
        for rendering in [String(describing: configuration), String(reflecting: configuration), "\(configuration.mqtt)", dumped] {
            #expect(!rendering.contains("Hunter2"), "password leaked: \(rendering)")
        }
    }

    @Test("effectiveSettings parses back to the same configuration")
    func effectiveSettingsRoundTrip() throws {
        let directory = try ConfigTestDirectory()
        defer { directory.remove() }
        try directory.write("ca.pem", "PEM\n")
        let yaml = """
            mqtt:
              host: "broker.lan"
              protocol: 3.1.1
              client_id: "bridge: one"
              username: "yes"
              tls: {ca_file: ca.pem, insecure: true}
              keepalive: 2m
              base_topic: home/presence
            homeassistant: {discovery: false, discovery_prefix: ha, status_topic: ha/status}
            scan:
              hosts: "192.0.2.0/24, 198.18.0.1-20"
              exclude: 192.0.2.1
              exclude_macs: [AA-BB-CC-DD-EE-FF]
              scan_options: "-sn -n"
              interval_seconds: 1.5
              home_interval: 0.1
              consider_home: 1h
              timeout: 25s
            devices:
              - {mac: 0123.4567.89ab, name: "Anna's phone", consider_home: 45}
              - {mac: 12:34:56:10:20:30, track: off}
            track_new_devices: no
            track_without_mac: yes
            log_level: DEBUG
            """
        let configuration = try parse(yaml, directory: directory.path)
        #expect(configuration.mqtt.connection.protocolVersion == .v311)
        #expect(configuration.mqtt.connection.clientID == "bridge: one")
        #expect(configuration.mqtt.connection.username == "yes")
        #expect(configuration.mqtt.connection.keepAlive == .seconds(120))
        #expect(configuration.scan.hosts == ["192.0.2.0/24", "198.18.0.1-20"])
        #expect(configuration.scan.excludeMACs == ["aa:bb:cc:dd:ee:ff"])
        #expect(configuration.scan.interval == .milliseconds(1500))
        #expect(configuration.scan.homeInterval == .seconds(6))
        #expect(
            configuration.devices == [
                DeviceEntry(mac: "01:23:45:67:89:ab", name: "Anna's phone", considerHome: .seconds(45)),
                DeviceEntry(mac: "12:34:56:10:20:30", track: false),
            ])
        #expect(configuration.logLevel == .debug)

        let again = try parse(configuration.effectiveSettings, directory: "/elsewhere")
        #expect(again == configuration, "\(configuration.effectiveSettings)")
    }

    @Test(
        "hosts: a string with commas or spaces, or a list",
        arguments: [
            ("hosts: 192.0.2.0/24", ["192.0.2.0/24"]),
            ("hosts: \"192.0.2.0/24,198.18.0.5\"", ["192.0.2.0/24", "198.18.0.5"]),
            ("hosts: 192.0.2.0/24 198.18.0.5  198.18.0.6", ["192.0.2.0/24", "198.18.0.5", "198.18.0.6"]),
            ("hosts: [192.0.2.0/24, \"198.18.0.5, 198.18.0.6\"]", ["192.0.2.0/24", "198.18.0.5", "198.18.0.6"]),
            ("hosts:\n    - 192.0.2.1-25\n    - printer.lan", ["192.0.2.1-25", "printer.lan"]),
        ])
    func hostForms(_ line: String, _ expected: [String]) throws {
        #expect(try parse("scan:\n  \(line)\n").scan.hosts == expected)
    }

    @Test(
        "MACs in any common notation become lower-case colon form",
        arguments: [
            "aa:bb:cc:dd:ee:0f", "AA-BB-CC-DD-EE-0F", "aabb.ccdd.ee0f", "AABBCCDDEE0F", "aa:bb:cc:dd:ee:f", " Aa:Bb:cC:dd:EE:0f ",
        ])
    func macNotations(_ mac: String) throws {
        let configuration = try parse("scan: {hosts: 192.0.2.0/24, exclude_macs: \"\(mac)\"}\ndevices:\n  - mac: \"\(mac)\"\n")
        #expect(configuration.devices.map(\.mac) == ["aa:bb:cc:dd:ee:0f"])
        #expect(configuration.scan.excludeMACs == ["aa:bb:cc:dd:ee:0f"])
    }

    @Test(
        "durations: numbers, units, Home Assistant's forms",
        arguments: [
            ("1", Duration.seconds(1)), ("180", .seconds(180)), ("2.5", .milliseconds(2500)), ("\"45\"", .seconds(45)),
            ("90s", .seconds(90)), ("3m", .seconds(180)), ("1h30m", .seconds(5400)), ("2 min", .seconds(120)),
            ("\"00:03:00\"", .seconds(180)), ("01:00:05", .seconds(3605)), ("0:03:00", .seconds(180)),
            ("{minutes: 3, seconds: 5}", .seconds(185)), ("1d", .seconds(86_400)),
        ])
    func durations(_ text: String, _ expected: Duration) throws {
        #expect(try parse("scan:\n  hosts: 192.0.2.0/24\n  consider_home: \(text)\n").scan.considerHome == expected)
    }

    @Test("home_interval is in minutes, 0 is off, and seconds work for tests")
    func homeInterval() throws {
        #expect(try parse("scan: {hosts: 192.0.2.0/24, home_interval: 0}").scan.homeInterval == .zero)
        #expect(try parse("scan: {hosts: 192.0.2.0/24, home_interval: 10}").scan.homeInterval == .seconds(600))
        #expect(try parse("scan: {hosts: 192.0.2.0/24, home_interval: 2s}").scan.homeInterval == .seconds(2))
        #expect(try parse("scan: {hosts: 192.0.2.0/24, interval_seconds: 1}").scan.interval == .seconds(1))
    }

    @Test(
        "mqtt.protocol spellings",
        arguments: [
            ("5", MQTTProtocolVersion.v5), ("\"5\"", .v5), ("5.0", .v5), ("v5", .v5), ("MQTTv5", .v5),
            ("3.1.1", .v311), ("\"3.1.1\"", .v311), ("311", .v311), ("v3.1.1", .v311), ("mqttv311", .v311),
        ])
    func protocolSpellings(_ text: String, _ expected: MQTTProtocolVersion) throws {
        #expect(try parse("mqtt:\n  protocol: \(text)\n  username: u\nscan: {hosts: 192.0.2.0/24}").mqtt.connection.protocolVersion == expected)
    }

    @Test("empty sections and null values mean the defaults")
    func nullsMeanDefaults() throws {
        let configuration = try parse("mqtt:\nhomeassistant:\nscan:\n  hosts: 192.0.2.0/24\n  exclude:\ndevices:\nlog_level: ~\n")
        #expect(configuration == (try parse("scan: {hosts: 192.0.2.0/24}")))
    }

    @Test("tls: true means TLS with the system's CAs on port 8883; an explicit port wins")
    func tlsShorthand() throws {
        let on = try parse("mqtt: {tls: true}\nscan: {hosts: 192.0.2.0/24}")
        #expect(on.mqtt.connection.tls == MQTTConfiguration.TLS())
        #expect(on.mqtt.connection.port == 8883)
        let explicit = try parse("mqtt: {tls: true, port: 8884}\nscan: {hosts: 192.0.2.0/24}")
        #expect(explicit.mqtt.connection.port == 8884)
        #expect(try parse("mqtt: {tls: false}\nscan: {hosts: 192.0.2.0/24}").mqtt.connection.tls == nil)
    }

    @Test("MQTT 5 allows a password without a user name; secrets may look like other YAML types")
    func passwordForms() throws {
        #expect(try parse("mqtt: {password: 123456}\nscan: {hosts: 192.0.2.0/24}").mqtt.connection.password == "123456")
        #expect(try parse("mqtt: {password: yes, username: 0777}\nscan: {hosts: 192.0.2.0/24}").mqtt.connection.username == "0777")
        #expect(try parse("mqtt: {password: \"\"}\nscan: {hosts: 192.0.2.0/24}").mqtt.connection.password == "")
    }

    @Test("did-you-mean suggestions")
    func suggestions() {
        #expect(KeySuggestion.suggestion(for: "hostz", among: ScanSettings.CodingKeys.names) == "hosts")
        #expect(KeySuggestion.suggestion(for: "considerhome", among: ScanSettings.CodingKeys.names) == "consider_home")
        #expect(KeySuggestion.suggestion(for: "Interval_Seconds", among: ScanSettings.CodingKeys.names) == "interval_seconds")
        #expect(KeySuggestion.suggestion(for: "keep_alive", among: MQTTSettings.CodingKeys.names) == "keepalive")
        #expect(KeySuggestion.suggestion(for: "prefix", among: HomeAssistantSettings.CodingKeys.names) == "discovery_prefix")
        #expect(KeySuggestion.suggestion(for: "colour", among: ScanSettings.CodingKeys.names) == nil)
    }
}
