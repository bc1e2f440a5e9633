import Foundation
import TestSupport
import Testing

/// Input an attacker on the network or a careless config could give the bridge.
@Suite("Hostile input")
struct HostileInputTests {
    /// Host names as a hostile reverse-DNS server could make nmap report them, written as they would
    /// appear in nmap's XML (entities and character references for what XML must escape, raw bytes
    /// otherwise), with what the bridge should keep of each (nil: only check it is valid text).
    static let names: [(xml: [UInt8], expected: String?)] = [
        (Array(#"evil&quot;quote&apos;.lab"#.utf8), #"evil"quote'.lab"#),
        (Array(#"back\slash\\"#.utf8) + Array(#"\u0000.lab"#.utf8), #"back\slash\\\u0000.lab"#),
        (Array("ctl&#x1;&#x7;&#x1b;[31m&#10;FAKE LOG LINE&#13;&#9;&#0;.lab".utf8), "ctl\u{1}\u{7}\u{1b}[31m\nFAKE LOG LINE\r\t\u{FFFD}.lab"),
        (Array("bytes".utf8) + [0xFF, 0xFE, 0xC3] + Array(".lab".utf8), "bytes\u{FFFD}\u{FFFD}\u{FFFD}.lab"),
        (Array(String(repeating: "x", count: 1000).utf8), String(repeating: "x", count: 1000)),
        (Array("a/b+c#d.lab".utf8), "a/b+c#d.lab"),
        (Array("nmap2mqtt/#".utf8), "nmap2mqtt/#"),
        (Array("+/+/state".utf8), "+/+/state"),
    ]

    static func hostileScan() -> [UInt8] {
        var xml = Array(
            #"<?xml version="1.0" encoding="UTF-8"?><nmaprun scanner="nmap" args="nmap -oX - -sn" start="1795708438" version="7.93">"#.utf8)
        for (index, name) in names.enumerated() {
            xml += Array(#"<host><status state="up" reason="arp-response"/><address addr="198.18.42.\#(101 + index)" addrtype="ipv4"/>"#.utf8)
            xml += Array(
                #"<address addr="02:00:00:00:01:0\#(index)" addrtype="mac" vendor="Evil &quot;Corp&quot;\ /#+ &#x1b;"/><hostnames><hostname name=""#
                    .utf8)
            xml += name.xml
            xml += Array(#"" type="PTR"/></hostnames></host>"#.utf8)
        }
        xml += Array(
            #"<runstats><finished time="1795708440" elapsed="1" exit="success"/><hosts up="8" down="0" total="8"/></runstats></nmaprun>"#.utf8)
        return xml
    }

    static let allowedTopics = [
        #"^nmap2mqtt/bridge/(state|info|sync)$"#, #"^nmap2mqtt/[0-9a-f]{12}/(state|attributes)$"#, #"^nmap2mqtt/(devices|events)$"#,
        #"^homeassistant/device_tracker/[0-9a-f]{12}/config$"#, #"^homeassistant/binary_sensor/nmap2mqtt_bridge/connection/config$"#,
        #"^nmap2mqtt/nodes/lab/(state|info|sync)$"#, #"^nmap2mqtt/nodes/lab/devices/[0-9a-f]{12}$"#,
    ]

    @Test("names from the network never break a topic or a JSON payload")
    func hostileNames() async throws {
        try await withBridge(startDaemon: false) { scene in
            let (nmap, watcher) = (scene.nmap, scene.watcher)
            try nmap.serve(Self.hostileScan())
            let daemon = try scene.startDaemon()
            let ids = (0..<Self.names.count).map { "02000000010\($0)" }
            try await watcher.waitForAll(ids)
            for (index, id) in ids.enumerated() {
                let attributes = try watcher.attributes(of: id)
                let hostName = try #require(attributes.hostName, "host_name of \(id)")
                if let expected = Self.names[index].expected {
                    #expect(hostName == expected, "host_name of \(id)")
                }
                #expect(attributes.manufacturer == "Evil \"Corp\"\\ /#+ \u{1b}")
                let config = try #require(watcher.log.on("homeassistant/device_tracker/\(id)/config").last)
                let discovery = try config.decoded(as: Published.TrackerConfig.self)
                #expect(discovery.stateTopic == "nmap2mqtt/\(id)/state")
                #expect(!discovery.device.name.isEmpty)
            }
            try await Task.sleep(for: .seconds(2))
            for entry in watcher.log.all {
                let topic = entry.message.topic
                #expect(Self.allowedTopics.contains { topic.range(of: $0, options: .regularExpression) != nil }, "unexpected topic \(topic)")
                if !topic.hasSuffix("/state") && !entry.message.payload.isEmpty {
                    do {
                        _ = try Published.decodeAny(topic: topic, payload: entry.message.payload)
                    } catch {
                        Issue.record("payload on \(topic) is not what the topic carries: \(error); \(entry.message.string.prefix(200))")
                    }
                    #expect(String(validating: entry.message.payload, as: UTF8.self) != nil, "payload on \(topic) is not UTF-8")
                }
            }
            #expect(!daemon.process.hasExited)
            // The devices command reads the state file those names went into.
            let devices = try await Daemon.run(["devices", "--config", scene.configFile, "--json"], directory: scene.directory)
            #expect(devices.status == 0)
            let list = try? Published.decode([Published.StoredDevice].self, from: Array(devices.output.utf8))
            #expect(list?.count == Self.names.count, "devices --json: \(devices.output.prefix(500))")
            // A name cannot forge a log line: the newline inside it is not written raw.
            #expect(!daemon.log.split(separator: "\n").contains { $0.hasPrefix("FAKE LOG LINE") }, "a host name forged a log line")
        }
    }

    struct Injection: Sendable, CustomTestStringConvertible {
        var key: String
        var value: String
        var testDescription: String { "\(key): \(value)" }
    }

    static let injections: [Injection] = [
        Injection(key: "hosts", value: "127.0.0.1 -oN /tmp/nmap2mqtt-pwned"),
        Injection(key: "hosts", value: "-iL /etc/passwd"),
        Injection(key: "hosts", value: "127.0.0.1;touch /tmp/nmap2mqtt-pwned"),
        Injection(key: "hosts", value: "$(touch /tmp/nmap2mqtt-pwned)"),
        Injection(key: "hosts", value: "`id`"),
        Injection(key: "hosts", value: "127.0.0.1|id"),
        Injection(key: "hosts", value: "127.0.0.1\\n-oG x"),
        Injection(key: "hosts", value: "-"),
        Injection(key: "exclude", value: "127.0.0.2 --script=x"),
        Injection(key: "exclude", value: "127.0.0.2,-oN,/tmp/x"),
        Injection(key: "scan_options", value: "-sn -oN /tmp/nmap2mqtt-pwned"),
        Injection(key: "scan_options", value: "-sn -oN/tmp/nmap2mqtt-pwned"),
        Injection(key: "scan_options", value: "-sn -oX /tmp/nmap2mqtt-pwned"),
        Injection(key: "scan_options", value: "-sn -oG -"),
        Injection(key: "scan_options", value: "-sn -oA /tmp/nmap2mqtt-pwned"),
        Injection(key: "scan_options", value: "-sn -oS /tmp/nmap2mqtt-pwned"),
        Injection(key: "scan_options", value: "-sn --append-output"),
        Injection(key: "scan_options", value: "-sn --resume /tmp/x"),
        Injection(key: "scan_options", value: "-sn -iL /etc/passwd"),
        Injection(key: "scan_options", value: "-sn -iR 100"),
        Injection(key: "scan_options", value: "-sn --excludefile /etc/passwd"),
        Injection(key: "scan_options", value: "-sn --stylesheet http://x/y.xsl"),
        Injection(key: "scan_options", value: "-sn 10.0.0.1"),
        Injection(key: "scan_options", value: "-sn --host-timeout 5s 10.0.0.1"),
        Injection(key: "scan_options", value: "--script-args x=1 10.0.0.0/8"),
        Injection(key: "scan_options", value: "-sn ; touch /tmp/nmap2mqtt-pwned"),
        Injection(key: "scan_options", value: "-sn > /tmp/nmap2mqtt-pwned"),
        Injection(key: "scan_options", value: "-sn | id"),
        Injection(key: "scan_options", value: "-sn $(id)"),
        Injection(key: "scan_options", value: "-sn `id`"),
    ]

    @Test("targets and scan_options that inject arguments or redirect output are refused before nmap runs", arguments: injections)
    func injectionRefused(_ injection: Injection) async throws {
        try await withBridge(broker: .none, watcher: .none, config: nil, startDaemon: false) { scene in
            let nmap = scene.nmap
            let quoted = "\"" + injection.value.replacingOccurrences(of: "\"", with: "\\\"") + "\""
            var scan = ["scan_options: \"-sn\""]
            var hosts = "127.0.0.1"
            switch injection.key {
            case "hosts": hosts = injection.value
            case "exclude": scan = ["scan_options: \"-sn\"", "exclude: [\(quoted)]"]
            default: scan = ["scan_options: \(quoted)"]
            }
            let text = """
                mqtt:
                  host: 127.0.0.1
                  port: 1
                scan:
                  hosts: \(injection.key == "hosts" ? quoted : "\"\(hosts)\"")
                  nmap_path: \(nmap.path)
                  listen: false  # outside the lab: never listen on this machine's interfaces
                \(scan.map { "  " + $0 }.joined(separator: "\n"))
                state_file: \(scene.stateFile)
                web: {port: 0}

                """
            try text.write(toFile: scene.configFile, atomically: true, encoding: .utf8)
            for command in ["check-config", "run"] {
                let result = try await Daemon.run([command, "--config", scene.configFile], directory: scene.directory)
                #expect(result.status == 78, "\(command): exit \(result.status); output: \(result.output)")
                #expect(result.output.contains("scan.\(injection.key)"), "\(command) names the key: \(result.output)")
            }
            #expect(!nmap.wasCalled, "nmap ran")
            #expect(!FileManager.default.fileExists(atPath: "/tmp/nmap2mqtt-pwned"))
        }
    }
}
