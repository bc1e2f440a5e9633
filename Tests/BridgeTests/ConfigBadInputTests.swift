import Foundation
import Testing

@testable import Bridge

/// One invalid configuration and what its error must say.
struct BadConfig: CustomTestStringConvertible, Sendable {
    var name: String
    var yaml: String
    /// The dotted path the error must name.
    var keyPath: String
    /// Texts the message must contain: the offending value and what would be right.
    var mentions: [String]
    var environment: [String: String] = [:]
    /// False where no line fits (a missing top-level section).
    var hasLine = true

    var testDescription: String { name }
}

/// Files the table refers to: `secret.txt` (a password), `empty.txt`, `ca.pem`, and `certs/` (a directory,
/// unreadable as a file even for root, which ignores permission bits).
private let fixtureFiles: [String: String] = [
    "secret.txt": "s3cret-from-file\n",
    "empty.txt": "",
    "two-lines.txt": "first\nsecond\n",
    "ca.pem": "-----BEGIN CERTIFICATE-----\n",
    "client.crt": "-----BEGIN CERTIFICATE-----\n",
]

private let hosts = "scan:\n  hosts: 192.0.2.0/24\n"

let badConfigs: [BadConfig] = [
    // Ports and protocol
    BadConfig(
        name: "port out of range", yaml: "mqtt:\n  port: 70000\n" + hosts, keyPath: "mqtt.port",
        mentions: ["70000", "not a port", "whole number from 1 to 65535"]),
    BadConfig(name: "port zero", yaml: "mqtt:\n  port: 0\n" + hosts, keyPath: "mqtt.port", mentions: ["0 is not a port", "1 to 65535"]),
    BadConfig(name: "port of wrong type", yaml: "mqtt:\n  port: abc\n" + hosts, keyPath: "mqtt.port", mentions: ["\"abc\"", "whole number"]),
    BadConfig(name: "port as a fraction", yaml: "mqtt:\n  port: 1883.5\n" + hosts, keyPath: "mqtt.port", mentions: ["1883.5", "whole number"]),
    BadConfig(
        name: "bad protocol", yaml: "mqtt:\n  protocol: 4\n" + hosts, keyPath: "mqtt.protocol",
        mentions: ["4 is not a supported MQTT protocol", "5 or 3.1.1"]),
    BadConfig(
        name: "MQTT 3.1 is not 3.1.1", yaml: "mqtt:\n  protocol: 3.1\n" + hosts, keyPath: "mqtt.protocol", mentions: ["3.1 is not", "5 or 3.1.1"]),
    BadConfig(
        name: "host with a scheme", yaml: "mqtt:\n  host: mqtt://broker\n" + hosts, keyPath: "mqtt.host",
        mentions: ["\"mqtt://broker\"", "mqtt.port"]),
    BadConfig(
        name: "keepalive below libmosquitto's minimum", yaml: "mqtt:\n  keepalive: 3\n" + hosts, keyPath: "mqtt.keepalive",
        mentions: ["3 ", "5 to 65535"]),
    BadConfig(
        name: "zero keepalive", yaml: "mqtt:\n  keepalive: 0\n" + hosts, keyPath: "mqtt.keepalive", mentions: ["0 is zero", "at least 1 second"]),

    // Topics
    BadConfig(
        name: "base_topic with +", yaml: "mqtt:\n  base_topic: home/+/x\n" + hosts, keyPath: "mqtt.base_topic",
        mentions: ["\"home/+/x\"", "wildcard +", "such as nmap2mqtt"]),
    BadConfig(
        name: "base_topic with #", yaml: "mqtt:\n  base_topic: \"home/#\"\n" + hosts, keyPath: "mqtt.base_topic",
        mentions: ["\"home/#\"", "wildcard #"]),
    BadConfig(
        name: "base_topic with an empty level", yaml: "mqtt:\n  base_topic: a//b\n" + hosts, keyPath: "mqtt.base_topic",
        mentions: ["\"a//b\"", "empty level", "single slashes"]),
    BadConfig(
        name: "base_topic with a trailing slash", yaml: "mqtt:\n  base_topic: nmap/\n" + hosts, keyPath: "mqtt.base_topic",
        mentions: ["\"nmap/\"", "empty level"]),
    BadConfig(
        name: "empty base_topic", yaml: "mqtt:\n  base_topic: \"\"\n" + hosts, keyPath: "mqtt.base_topic",
        mentions: ["\"\" is empty", "a topic such as"]),
    BadConfig(
        name: "discovery_prefix with +", yaml: "homeassistant:\n  discovery_prefix: ha/+\n" + hosts, keyPath: "homeassistant.discovery_prefix",
        mentions: ["\"ha/+\"", "wildcard +"]),
    BadConfig(
        name: "status_topic with $", yaml: "homeassistant:\n  status_topic: $SYS/x\n" + hosts, keyPath: "homeassistant.status_topic",
        mentions: ["\"$SYS/x\"", "reserved"]),

    // Unknown keys
    BadConfig(
        name: "unknown nested key with suggestion", yaml: "scan:\n  hostz: 192.0.2.0/24\n", keyPath: "scan.hostz",
        mentions: ["unknown key \"hostz\"", "did you mean \"hosts\"?", "scan accepts: hosts, exclude"]),
    BadConfig(
        name: "unknown deeper key", yaml: "mqtt:\n  tls:\n    ca_flie: ca.pem\n" + hosts, keyPath: "mqtt.tls.ca_flie",
        mentions: ["did you mean \"ca_file\"?"]),
    BadConfig(
        name: "key with a dash", yaml: "mqtt:\n  base-topic: x\n" + hosts, keyPath: "mqtt.base-topic", mentions: ["did you mean \"base_topic\"?"]),
    BadConfig(
        name: "section key at the top level", yaml: "base_topic: x\n" + hosts, keyPath: "base_topic", mentions: ["did you mean \"mqtt.base_topic\"?"]),
    BadConfig(
        name: "Home Assistant's newer key name", yaml: "scan:\n  hosts: 192.0.2.0/24\n  mac_exclude: [aa:bb:cc:dd:ee:ff]\n",
        keyPath: "scan.mac_exclude", mentions: ["exclude_macs"]),
    BadConfig(
        name: "unknown key in a device", yaml: hosts + "devices:\n  - mac: aa:bb:cc:dd:ee:ff\n    nmae: Phone\n", keyPath: "devices[0].nmae",
        mentions: ["did you mean \"name\"?"]),

    // Wrong types and shapes
    BadConfig(name: "section of wrong type", yaml: "mqtt: [a, b]\n" + hosts, keyPath: "mqtt", mentions: ["a list is not a mapping"]),
    BadConfig(
        name: "bool of wrong type", yaml: "homeassistant:\n  discovery: maybe\n" + hosts, keyPath: "homeassistant.discovery",
        mentions: ["\"maybe\"", "true or false"]),
    BadConfig(name: "hosts as a mapping", yaml: "scan:\n  hosts:\n    a: 1\n", keyPath: "scan.hosts", mentions: ["a mapping", "nmap targets"]),
    BadConfig(name: "empty hosts", yaml: "scan:\n  hosts: \"\"\n", keyPath: "scan.hosts", mentions: ["\"\" is empty", "nmap targets"]),
    BadConfig(name: "empty host in a list", yaml: "scan:\n  hosts: [192.0.2.1, \" \"]\n", keyPath: "scan.hosts[1]", mentions: ["\" \" is empty"]),
    BadConfig(name: "missing hosts", yaml: "scan:\n  exclude: [192.0.2.1]\n", keyPath: "scan.hosts", mentions: ["is missing", "192.168.1.0/24"]),
    BadConfig(
        name: "missing scan", yaml: "mqtt:\n  host: localhost\n", keyPath: "scan", mentions: ["is missing", "hosts", "device_tracker"], hasLine: false
    ),
    BadConfig(
        name: "scan_options as a list", yaml: "scan:\n  hosts: 192.0.2.0/24\n  scan_options: [-sn]\n", keyPath: "scan.scan_options",
        mentions: ["a list is not a single value", "one string"]),
    BadConfig(name: "log level", yaml: hosts + "log_level: loud\n", keyPath: "log_level", mentions: ["\"loud\" is not a log level", "debug, info"]),
    BadConfig(
        name: "Home Assistant !secret tag", yaml: "mqtt:\n  username: me\n  password: !secret mqtt_password\n" + hosts, keyPath: "mqtt.password",
        mentions: ["!secret", "password_file"]),

    // Durations
    BadConfig(
        name: "zero duration", yaml: "scan:\n  hosts: 192.0.2.0/24\n  interval_seconds: 0\n", keyPath: "scan.interval_seconds",
        mentions: ["0 is zero", "at least 1 second"]),
    BadConfig(
        name: "negative duration", yaml: "scan:\n  hosts: 192.0.2.0/24\n  consider_home: -5\n", keyPath: "scan.consider_home",
        mentions: ["-5 is negative", "at least 1 second"]),
    BadConfig(
        name: "negative duration with a unit", yaml: "scan:\n  hosts: 192.0.2.0/24\n  timeout: -2m\n", keyPath: "scan.timeout",
        mentions: ["\"-2m\" is negative"]),
    BadConfig(
        name: "duration under a second", yaml: "scan:\n  hosts: 192.0.2.0/24\n  interval_seconds: 0.5\n", keyPath: "scan.interval_seconds",
        mentions: ["0.5 is shorter than 1 second"]),
    BadConfig(
        name: "duration of wrong type", yaml: "scan:\n  hosts: 192.0.2.0/24\n  timeout: soon\n", keyPath: "scan.timeout",
        mentions: ["\"soon\" is not a duration", "30s, 5m, 1h"]),
    BadConfig(
        name: "negative home_interval", yaml: "scan:\n  hosts: 192.0.2.0/24\n  home_interval: -1\n", keyPath: "scan.home_interval",
        mentions: ["-1 is negative", "0 (off)", "minutes"]),
    BadConfig(
        name: "two-part clock", yaml: "scan:\n  hosts: 192.0.2.0/24\n  consider_home: 3:00\n", keyPath: "scan.consider_home",
        mentions: ["3:00 is ambiguous", "0:03:00", "3m or 3h"]),
    BadConfig(
        name: "quoted two-part clock", yaml: "scan:\n  hosts: 192.0.2.0/24\n  consider_home: \"3:00\"\n", keyPath: "scan.consider_home",
        mentions: ["\"3:00\" is ambiguous", "0:03:00"]),
    BadConfig(
        name: "device consider_home zero", yaml: hosts + "devices:\n  - mac: aa:bb:cc:dd:ee:ff\n    consider_home: 0\n",
        keyPath: "devices[0].consider_home", mentions: ["0 is zero"]),

    // MACs and devices
    BadConfig(
        name: "invalid MAC in devices", yaml: hosts + "devices:\n  - mac: aa:bb:cc:dd:ee:ff\n  - mac: 11-22-33-44-55-66\n  - mac: aa:bb:cc\n",
        keyPath: "devices[2].mac", mentions: ["\"aa:bb:cc\" is not a MAC address", "aa:bb:cc:dd:ee:ff"]),
    BadConfig(
        name: "device without a MAC", yaml: hosts + "devices:\n  - name: Phone\n", keyPath: "devices[0].mac", mentions: ["is missing", "MAC address"]),
    BadConfig(
        name: "same MAC twice in two notations", yaml: hosts + "devices:\n  - mac: aa:bb:cc:dd:ee:ff\n  - mac: AABB.CCDD.EEFF\n",
        keyPath: "devices[1].mac", mentions: ["aa:bb:cc:dd:ee:ff is listed twice", "devices[0].mac"]),
    BadConfig(
        name: "devices as a mapping", yaml: hosts + "devices:\n  aa:bb:cc:dd:ee:ff:\n    name: Phone\n", keyPath: "devices",
        mentions: ["a mapping is not a list", "- mac:"]),
    BadConfig(
        name: "invalid MAC in exclude_macs", yaml: "scan:\n  hosts: 192.0.2.0/24\n  exclude_macs: \"aa:bb:cc:dd:ee:ff, zz:bb:cc:dd:ee:ff\"\n",
        keyPath: "scan.exclude_macs", mentions: ["\"zz:bb:cc:dd:ee:ff\" is not a MAC address"]),

    // Files
    BadConfig(
        name: "wrong password-file path", yaml: "mqtt:\n  username: me\n  password_file: missing.txt\n" + hosts, keyPath: "mqtt.password_file",
        mentions: ["\"missing.txt\"", "/missing.txt)", "No such file or directory", "readable file holding the password"]),
    BadConfig(
        name: "empty password file", yaml: "mqtt:\n  username: me\n  password_file: empty.txt\n" + hosts, keyPath: "mqtt.password_file",
        mentions: ["empty file", "holding the password"]),
    BadConfig(
        name: "password file of two lines", yaml: "mqtt:\n  username: me\n  password_file: two-lines.txt\n" + hosts, keyPath: "mqtt.password_file",
        mentions: ["more than one line"]),
    BadConfig(
        name: "password and password_file", yaml: "mqtt:\n  username: me\n  password: x\n  password_file: secret.txt\n" + hosts,
        keyPath: "mqtt.password_file", mentions: ["together with mqtt.password", "only one"]),
    BadConfig(
        name: "unreadable TLS file", yaml: "mqtt:\n  tls:\n    ca_file: certs\n" + hosts, keyPath: "mqtt.tls.ca_file",
        mentions: ["\"certs\"", "cannot be read: it is a directory", "readable PEM file"]),
    BadConfig(
        name: "missing TLS key file", yaml: "mqtt:\n  tls:\n    ca_file: ca.pem\n    key_file: nowhere/client.key\n" + hosts,
        keyPath: "mqtt.tls.key_file", mentions: ["No such file or directory", "private key"]),
    BadConfig(
        name: "client certificate without key", yaml: "mqtt:\n  tls:\n    cert_file: client.crt\n" + hosts, keyPath: "mqtt.tls.key_file",
        mentions: ["is missing", "cert_file is set"]),
    BadConfig(
        name: "MQTT 3.1.1 password without user", yaml: "mqtt:\n  protocol: 3.1.1\n  password: x\n" + hosts, keyPath: "mqtt.username",
        mentions: ["is missing", "3.1.1"]),

    // Environment
    BadConfig(
        name: "port from the environment", yaml: hosts, keyPath: "mqtt.port", mentions: ["\"eighty\" is not a port", "NMAP2MQTT_MQTT_PORT"],
        environment: ["NMAP2MQTT_MQTT_PORT": "eighty"]),

    // Home Assistant device_tracker
    BadConfig(
        name: "device_tracker and scan", yaml: hosts + "device_tracker:\n  - platform: nmap_tracker\n    hosts: 192.0.2.0/24\n",
        keyPath: "device_tracker", mentions: ["together with scan", "only one"]),
    BadConfig(
        name: "other device_tracker platform",
        yaml: "device_tracker:\n  - platform: nmap_tracker\n    hosts: 192.0.2.0/24\n  - platform: ping\n    count: 2\n",
        keyPath: "device_tracker[1].platform", mentions: ["\"ping\" is not supported", "nmap_tracker"]),
    BadConfig(
        name: "two nmap_tracker entries",
        yaml: "device_tracker:\n  - platform: nmap_tracker\n    hosts: 192.0.2.0/24\n  - platform: nmap_tracker\n    hosts: 198.18.0.0/24\n",
        keyPath: "device_tracker[1]", mentions: ["second nmap_tracker entry", "merge its hosts into device_tracker[0]"]),
    BadConfig(
        name: "hide_if_away",
        yaml: "device_tracker:\n  - platform: nmap_tracker\n    hosts: 192.0.2.0/24\n    new_device_defaults:\n      hide_if_away: true\n",
        keyPath: "device_tracker[0].new_device_defaults.hide_if_away", mentions: ["remove it"]),
    BadConfig(
        name: "device_tracker entry without platform", yaml: "device_tracker:\n  - hosts: 192.0.2.0/24\n", keyPath: "device_tracker[0].platform",
        mentions: ["is missing", "nmap_tracker"]),
    BadConfig(
        name: "track_new_devices twice, different",
        yaml: "track_new_devices: true\ndevice_tracker:\n  - platform: nmap_tracker\n    hosts: 192.0.2.0/24\n    track_new_devices: false\n",
        keyPath: "device_tracker[0].track_new_devices", mentions: ["is false but track_new_devices is true"]),
    BadConfig(
        name: "device_tracker with an HA option nmap2mqtt lacks",
        yaml: "device_tracker:\n  - platform: nmap_tracker\n    hosts: 192.0.2.0/24\n    scan_interval: 30\n",
        keyPath: "device_tracker[0].scan_interval", mentions: ["interval_seconds"]),

    // Scan targets, parallel scans, chunks
    BadConfig(
        name: "hosts and targets", yaml: "scan:\n  hosts: 192.0.2.0/24\n  targets:\n    - {name: a, hosts: 198.18.0.0/24}\n",
        keyPath: "scan.targets", mentions: ["together with scan.hosts", "one of them", "move scan.hosts into a target"]),
    BadConfig(
        name: "neither hosts nor targets", yaml: "scan:\n  interval_seconds: 10\n", keyPath: "scan.hosts",
        mentions: ["is missing", "192.168.1.0/24", "or targets:"]),
    BadConfig(
        name: "targets as a mapping", yaml: "scan:\n  targets:\n    name: a\n    hosts: 192.0.2.0/24\n", keyPath: "scan.targets",
        mentions: ["a mapping is not a list", "name: phones"]),
    BadConfig(name: "empty targets", yaml: "scan:\n  targets: []\n", keyPath: "scan.targets", mentions: ["is empty", "a list of targets"]),
    BadConfig(
        name: "target without name", yaml: "scan:\n  targets:\n    - hosts: 192.0.2.0/24\n", keyPath: "scan.targets[0].name",
        mentions: ["is missing", "lower-case letters"]),
    BadConfig(
        name: "target name with capitals", yaml: "scan:\n  targets:\n    - {name: Phones!, hosts: 192.0.2.0/24}\n",
        keyPath: "scan.targets[0].name", mentions: ["\"Phones!\"", "other than a-z, 0-9, _ and -", "such as phones"]),
    BadConfig(
        name: "target name twice",
        yaml: "scan:\n  targets:\n    - {name: lan, hosts: 192.0.2.0/24}\n    - {name: lan, hosts: 198.18.0.0/24}\n",
        keyPath: "scan.targets[1].name", mentions: ["\"lan\" is used twice", "scan.targets[0].name", "each target name once"]),
    BadConfig(
        name: "target without hosts", yaml: "scan:\n  targets:\n    - {name: lan, hosts: 192.0.2.0/24}\n    - {name: iot}\n",
        keyPath: "scan.targets[1].hosts", mentions: ["is missing", "nmap targets"]),
    BadConfig(
        name: "target interval of zero", yaml: "scan:\n  targets:\n    - {name: lan, hosts: 192.0.2.0/24, interval_seconds: 0}\n",
        keyPath: "scan.targets[0].interval_seconds", mentions: ["0 is zero", "at least 1 second"]),
    BadConfig(
        name: "target negative home_interval", yaml: "scan:\n  targets:\n    - {name: lan, hosts: 192.0.2.0/24, home_interval: -1}\n",
        keyPath: "scan.targets[0].home_interval", mentions: ["-1 is negative", "minutes"]),
    BadConfig(
        name: "target consider_home of wrong type", yaml: "scan:\n  targets:\n    - {name: lan, hosts: 192.0.2.0/24, consider_home: later}\n",
        keyPath: "scan.targets[0].consider_home", mentions: ["\"later\" is not a duration"]),
    BadConfig(
        name: "target timeout under a second", yaml: "scan:\n  targets:\n    - {name: lan, hosts: 192.0.2.0/24, timeout: 0.2}\n",
        keyPath: "scan.targets[0].timeout", mentions: ["0.2 is shorter than 1 second"]),
    BadConfig(
        name: "unknown key in a target", yaml: "scan:\n  targets:\n    - {name: lan, hosts: 192.0.2.0/24, interval: 10}\n",
        keyPath: "scan.targets[0].interval", mentions: ["did you mean \"interval_seconds\"?"]),
    BadConfig(
        name: "parallel zero", yaml: "scan:\n  hosts: 192.0.2.0/24\n  parallel: 0\n", keyPath: "scan.parallel",
        mentions: ["0 is not a number of scans at once", "from 1 to 16"]),
    BadConfig(
        name: "parallel too many", yaml: "scan:\n  hosts: 192.0.2.0/24\n  parallel: 17\n", keyPath: "scan.parallel", mentions: ["17", "from 1 to 16"]),
    BadConfig(
        name: "parallel as a word", yaml: "scan:\n  hosts: 192.0.2.0/24\n  parallel: two\n", keyPath: "scan.parallel",
        mentions: ["\"two\"", "whole number"]),
    BadConfig(
        name: "chunk_prefix too wide", yaml: "scan:\n  hosts: 192.0.2.0/24\n  chunk_prefix: 8\n", keyPath: "scan.chunk_prefix",
        mentions: ["8 is not an IPv4 prefix length", "from 16 to 30"]),
    BadConfig(
        name: "chunk_prefix too narrow", yaml: "scan:\n  hosts: 192.0.2.0/24\n  chunk_prefix: 31\n", keyPath: "scan.chunk_prefix",
        mentions: ["31", "from 16 to 30"]),
    BadConfig(
        name: "chunk_prefix as a CIDR", yaml: "scan:\n  hosts: 192.0.2.0/24\n  chunk_prefix: /24\n", keyPath: "scan.chunk_prefix",
        mentions: ["\"/24\"", "whole number from 16 to 30"]),

    BadConfig(
        name: "too many chunks", yaml: "scan:\n  hosts: 10.0.0.0/8\n  chunk_prefix: 30\n", keyPath: "scan.hosts",
        mentions: ["10.0.0.0/8 would be scanned as 4194304 chunks of /30", "at most 65536", "smaller scan.chunk_prefix"]),
    BadConfig(
        name: "too many chunks in a target", yaml: "scan:\n  chunk_prefix: 26\n  targets:\n    - {name: all, hosts: 10.0.0.0/8}\n",
        keyPath: "scan.targets[0].hosts", mentions: ["262144 chunks of /26", "at most 65536"]),

    // The document itself
    BadConfig(
        name: "YAML syntax error", yaml: "mqtt:\n  host: localhost\n   port: 1883\n" + hosts, keyPath: "",
        mentions: ["YAML syntax error", "column", "indentation"]),
    BadConfig(
        name: "duplicate key", yaml: "mqtt:\n  host: a\n  host: b\n" + hosts, keyPath: "",
        mentions: ["\"host\" appears more than once", "each key once"]),
    BadConfig(name: "empty file", yaml: "# nothing yet\n", keyPath: "", mentions: ["is empty", "scan:"]),
    BadConfig(name: "not a mapping", yaml: "- scan\n- mqtt\n", keyPath: "", mentions: ["a list, not a mapping"]),
]

@Suite("Configuration: bad input")
struct ConfigBadInputTests {
    @Test("each bad config is refused with its key path, value and what is expected", arguments: badConfigs)
    func refused(_ bad: BadConfig) throws {
        let directory = try ConfigTestDirectory()
        defer { directory.remove() }
        for (name, contents) in fixtureFiles {
            try directory.write(name, contents)
        }
        try directory.makeDirectory("certs")

        let error = #expect(throws: ConfigError.self) {
            try BridgeConfiguration.parse(yaml: bad.yaml, configDirectory: directory.path, environment: bad.environment)
        }
        guard let error else { return }
        #expect(error.keyPath == bad.keyPath, "\(error)")
        for text in bad.mentions {
            #expect(error.message.contains(text), "message lacks \(text.debugDescription): \(error)")
        }
        // Every message says what would be right.
        #expect(
            error.message.contains("expected") || error.message.contains("did you mean") || error.message.contains("accepts:")
                || error.message.contains("remove it"), "\(error)")
        if !bad.keyPath.isEmpty {
            #expect(error.description.hasPrefix("\(bad.keyPath): "))
        }
        if bad.environment.isEmpty, bad.hasLine, !bad.keyPath.isEmpty || error.message.contains("syntax") {
            #expect(error.line != nil, "no line number: \(error)")
        }
    }

    @Test("the table covers at least 22 cases")
    func tableSize() {
        #expect(badConfigs.count >= 22)
        #expect(Set(badConfigs.map(\.name)).count == badConfigs.count)
    }

    @Test("the line number points at the offending key")
    func lineNumbers() throws {
        let yaml = "mqtt:\n  host: localhost\n  port: 70000\n" + hosts
        let error = #expect(throws: ConfigError.self) {
            try BridgeConfiguration.parse(yaml: yaml, configDirectory: "/tmp", environment: [:])
        }
        #expect(error?.line == 3)
        #expect(error?.description == "mqtt.port: 70000 is not a port; expected a whole number from 1 to 65535 (line 3)")
    }

    @Test("a missing config file is named in the error")
    func missingFile() throws {
        let directory = try ConfigTestDirectory()
        defer { directory.remove() }
        let path = directory.path + "/nope.yaml"
        let error = #expect(throws: ConfigError.self) {
            try BridgeConfiguration.load(path: path, environment: [:])
        }
        #expect(error?.message.contains(path) == true)
        #expect(error?.message.contains("No such file or directory") == true)
    }

    static let password = "Hunter2-Sup3rSecret"

    /// Errors on and around the password: none may echo it.
    static let passwordCases: [String] = [
        "mqtt:\n  username: me\n  password: [\(password)]\n" + hosts,
        "mqtt:\n  username: me\n  password: {\(password): 1}\n" + hosts,
        "mqtt:\n  username: me\n  password: !secret \(password)\n" + hosts,
        "mqtt:\n  username: me\n  pasword: \(password)\n" + hosts,
        "mqtt:\n  username: me\n  password: \"\(password)\n" + hosts,
        "mqtt:\n  username: me\n  password: \(password)\n  password: \(password)\n" + hosts,
        "mqtt:\n  username: me\n  password: \(password)\n  password_file: secret.txt\n" + hosts,
        "mqtt:\n  protocol: 3.1.1\n  password: \(password)\n" + hosts,
        "mqtt:\n  username: me\n  password: \(password)\n  port: 0\n" + hosts,
        "mqtt:\n  username: me\n  password: '\(password)'\n   port: 1\n" + hosts,
        "mqtt:\n  password: \(password)\n  username: [me]\n" + hosts,
        "password: \(password)\n" + hosts,
        "mqtt:\n  username: me\n  password_file: multi.txt\n" + hosts,
    ]

    @Test("the password never appears in an error", arguments: passwordCases)
    func passwordNotEchoed(_ yaml: String) throws {
        let directory = try ConfigTestDirectory()
        defer { directory.remove() }
        try directory.write("secret.txt", "from-file\n")
        try directory.write("multi.txt", "\(Self.password)\n\(Self.password)\n")
        let error = #expect(throws: ConfigError.self) {
            try BridgeConfiguration.parse(yaml: yaml, configDirectory: directory.path, environment: [:])
        }
        guard let error else { return }
        #expect(!error.description.contains(Self.password), "password leaked: \(error)")
        #expect(!error.description.contains("Sup3rSecret"), "password leaked: \(error)")
    }

    @Test("an environment password does not leak through other errors")
    func environmentPasswordNotEchoed() throws {
        let error = #expect(throws: ConfigError.self) {
            try BridgeConfiguration.parse(
                yaml: "mqtt:\n  protocol: 3.1.1\n" + hosts,
                configDirectory: "/tmp",
                environment: ["NMAP2MQTT_MQTT_PASSWORD": Self.password]
            )
        }
        #expect(error?.keyPath == "mqtt.username")
        #expect(error?.description.contains(Self.password) == false)
    }
}
