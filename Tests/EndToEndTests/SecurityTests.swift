import Foundation
import Logging
import Mosquitto
import TestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Credentials, TLS, and running without root.
@Suite("Security")
struct SecurityTests {
    static let ids = StandInNmap.fixtureIDs

    @Test("the password (from password_file) never appears in logs, bridge/info, check-config, MQTT messages or the state file")
    func passwordNeverShown() async throws {
        let password = "Pw-\(UUID().uuidString.prefix(12))-zq7"
        let wrongPassword = "Wrong-\(UUID().uuidString.prefix(12))-kx3"
        try await withBridge(
            broker: .started(.password(users: ["bridge": password, "watcher": "watcher-pw"])),
            watcher: .login(username: "watcher", password: "watcher-pw"), config: nil, startDaemon: false
        ) { scene in
            let (nmap, watcher) = (scene.nmap, scene.watcher)
            let passwordFile = scene.directory + "/mqtt-password"
            try (password + "\n").write(toFile: passwordFile, atomically: true, encoding: .utf8)
            chmod(passwordFile, 0o600)
            try scene.writeConfig(BridgeConfig(mqtt: ["username: bridge", "password_file: \(passwordFile)"]))
            let daemon = try scene.startDaemon()
            var everything: [(String, String)] = []
            try await watcher.waitForAll(Self.ids)
            // Error paths too: nmap failing for a while.
            try nmap.set(.fail)
            try await watcher.waitForInfo("a failed scan", within: .seconds(10)) { $0.lastScanOk == false }
            try nmap.set(.xml)
            try await watcher.waitForInfo("a good scan", within: .seconds(10)) { $0.lastScanOk == true }
            daemon.process.signal(SIGTERM)
            #expect(await daemon.process.waitForExit(within: .seconds(5)) == 0)
            #expect(daemon.log.contains("debug"), "the daemon logged at debug level")
            everything.append(("the daemon's log", daemon.log))

            let checked = try await Daemon.run(["check-config", "--config", scene.configFile], directory: scene.directory)
            #expect(checked.status == 0 && checked.output.contains("********"))
            everything.append(("check-config", checked.output))
            let devices = try await Daemon.run(["devices", "--config", scene.configFile], directory: scene.directory)
            everything.append(("devices", devices.output))

            // The same bridge with a wrong password: refused, and says so without either password.
            let wrongFile = scene.directory + "/wrong-password"
            try wrongPassword.write(toFile: wrongFile, atomically: true, encoding: .utf8)
            let wrongDirectory = scene.directory + "/wrong"
            try FileManager.default.createDirectory(atPath: wrongDirectory, withIntermediateDirectories: true)
            try scene.writeConfig(
                BridgeConfig(stateFile: wrongDirectory + "/state.json", mqtt: ["username: bridge", "password_file: \(wrongFile)"]),
                to: wrongDirectory + "/config.yaml")
            let refused = try await Daemon.run(["run", "--config", wrongDirectory + "/config.yaml"], directory: wrongDirectory)
            #expect(refused.status != 0, "a refused password ends the daemon")
            #expect(refused.output.contains("mqtt.password"), "the refusal names the setting to check: \(refused.output.suffix(600))")
            everything.append(("the refused daemon", refused.output))

            for entry in watcher.log.all {
                everything.append(("MQTT \(entry.message.topic)", entry.message.topic + " " + entry.message.string))
            }
            everything.append(("bridge/info", watcher.log.latest("nmap2mqtt/bridge/info") ?? ""))
            // Every file the bridge wrote (the password files themselves excepted).
            let files = try FileManager.default.subpathsOfDirectory(atPath: scene.directory)
                .filter { !$0.hasSuffix("password") && !$0.hasSuffix("mqtt-password") }
            for file in files {
                if let data = FileManager.default.contents(atPath: scene.directory + "/" + file) {
                    everything.append((file, String(decoding: data, as: UTF8.self)))
                }
            }
            #expect(files.contains("state.json"))
            for (place, text) in everything {
                #expect(!text.contains(password), "the password appears in \(place)")
                #expect(!text.contains(wrongPassword), "the wrong password appears in \(place)")
            }
        }
    }

    @Test("TLS verifies the broker's certificate by default; with the right CA it connects")
    func tlsVerifiesByDefault() async throws {
        let certificates = try await TestCertificates.shared()
        try await withBridge(
            broker: .started(.tls(certificates)), watcher: .tls(caFile: certificates.caFile), config: nil,
            startDaemon: false
        ) { scene in
            let log = scene.watcher.log
            // `tls: true`: the system's CAs, which did not sign the test broker's certificate.
            try scene.writeConfig(BridgeConfig(mqtt: ["tls: true"]))
            let refused = try await scene.run(["run", "--config", scene.configFile])
            #expect(refused.status != 0, "a broker with an unverifiable certificate ends the daemon: \(refused.output.suffix(800))")
            #expect(
                refused.output.lowercased().contains("certificate") || refused.output.lowercased().contains("tls"),
                "the error says why: \(refused.output.suffix(800))")
            #expect(log.all.isEmpty, "nothing was published through an unverified connection")

            // A CA that did not sign it: refused too.
            try scene.writeConfig(BridgeConfig(mqtt: ["tls:", "  ca_file: \(certificates.unrelatedCAFile)"]))
            let unrelated = try await scene.run(["run", "--config", scene.configFile])
            #expect(unrelated.status != 0)
            #expect(log.all.isEmpty)

            // The CA that signed it: works.
            try scene.writeConfig(BridgeConfig(mqtt: ["tls:", "  ca_file: \(certificates.caFile)"]))
            try scene.startDaemon()
            _ = try await log.waitFor("nmap2mqtt/bridge/state", within: .seconds(15), "online over TLS") { $0 == "online" }
            _ = try await log.waitFor("nmap2mqtt/\(Self.ids[0])/state", within: .seconds(15), "a state over TLS") { $0 == "home" }
        }
    }

    enum Privilege: String, CaseIterable, Sendable {
        /// uid 65534 with CAP_NET_RAW (ambient) and `--privileged`: nmap itself reports MACs.
        case netRaw
        /// uid 65534 without any capability: MACs from the neighbour table.
        case none
    }

    /// The whole daemon and a broker run inside the lab's scanner namespace (so nmap's neighbour table
    /// and /proc/net/arp are the lab's), the daemon as nobody; MQTT is read with mosquitto_sub in there.
    @Test(
        "runs as an unprivileged user, with or without CAP_NET_RAW, and still gets MACs; its files are not world-writable",
        .enabled(if: TestLAN.shouldRun, "\(TestLAN.unavailableReason ?? "")"), arguments: Privilege.allCases)
    func unprivileged(_ privilege: Privilege) async throws {
        try await withBridge(
            lab: true, labName: TestLAN.uniqueName(prefix: "np"), broker: .none, watcher: .none, config: nil,
            startDaemon: false
        ) { scene in
            let lab = try #require(scene.lab)
            let brokerConfig = scene.directory + "/mosquitto.conf"
            try "listener 1883 127.0.0.1\nallow_anonymous true\npersistence false\nlog_dest stderr\n"
                .write(toFile: brokerConfig, atomically: true, encoding: .utf8)
            chmod(brokerConfig, 0o644)
            let broker = try ChildProcess(
                "ip", ["netns", "exec", lab.scannerNamespace, "mosquitto", "-c", brokerConfig],
                outputFile: scene.directory + "/mosquitto.log")
            scene.onTeardown("the lab's broker") { await broker.kill() }
            let options = privilege == .netRaw ? "-sn -n --privileged" : "-sn -n"
            let first = lab.hosts.first!.ip
            let range = first + "-" + String(lab.hosts.last!.ip.split(separator: ".").last!)
            // nmap straight from PATH: the daemon itself is inside the lab's namespace, which has no route out.
            try scene.writeConfig(
                BridgeConfig(
                    hosts: range, interval: 2, considerHome: 20, timeout: 20, scanOptions: options, port: 1883,
                    nmapPath: "nmap"))
            chown(scene.directory, 65534, 65534)
            let capabilities =
                privilege == .netRaw
                ? ["--inh-caps=+net_raw", "--ambient-caps=+net_raw"]
                : ["--inh-caps=-all", "--bounding-set=-all"]
            let daemon = try scene.startDaemon { logFile in
                try ChildProcess(
                    "ip",
                    ["netns", "exec", lab.scannerNamespace, "setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]
                        + capabilities + [Daemon.executable, "run", "--config", scene.configFile],
                    outputFile: logFile)
            }
            let expected = lab.hosts.map { $0.mac.replacingOccurrences(of: ":", with: "") }
            var seen = ""
            let deadline = ContinuousClock.now + .seconds(60)
            while true {
                // mosquitto_sub -W ends with a non-zero status when its time is up: read its output regardless.
                let output = scene.directory + "/retained.txt"
                try? FileManager.default.removeItem(atPath: output)
                let reader = try ChildProcess(
                    "ip",
                    [
                        "netns", "exec", lab.scannerNamespace, "mosquitto_sub", "-h", "127.0.0.1", "-p", "1883",
                        "-t", "nmap2mqtt/#", "-t", "homeassistant/#", "-v", "-W", "1",
                    ], outputFile: output)
                if await reader.waitForExit(within: .seconds(10)) == nil { await reader.kill() }
                seen = reader.output
                if expected.allSatisfy({
                    seen.contains("nmap2mqtt/\($0)/state home") && seen.contains("nmap2mqtt/\($0)/attributes {")
                        && seen.contains("homeassistant/device_tracker/\($0)/config {")
                }) {
                    break
                }
                guard ContinuousClock.now < deadline, !daemon.process.hasExited else {
                    throw EndToEndError("not every lab host was announced home with its MAC; retained:\n\(seen.suffix(3000))")
                }
                try await Task.sleep(for: .seconds(1))
            }
            // `mosquitto_sub -v`: one "topic payload" line per retained message.
            var retained: [String: String] = [:]
            for line in seen.split(separator: "\n") {
                let parts = line.split(separator: " ", maxSplits: 1)
                retained[String(parts[0])] = parts.count > 1 ? String(parts[1]) : ""
            }
            var reasons: [String] = []
            for host in lab.hosts {
                let text = try #require(retained["nmap2mqtt/\(host.deviceID)/attributes"], "attributes of \(host.hostName)")
                let attributes = try Published.decode(Published.Attributes.self, from: Array(text.utf8))
                #expect(attributes.mac == host.mac, "attributes of \(host.hostName) carry its MAC")
                reasons.append(attributes.reason)
            }
            #expect(retained["nmap2mqtt/bridge/state"] == "online")
            // With the capability nmap found them by ARP itself; without it by TCP connect (MACs from the neighbour table).
            #expect(reasons.contains("arp-response") == (privilege == .netRaw), "how nmap found the hosts: \(reasons)")
            let owner = try FileManager.default.attributesOfItem(atPath: scene.stateFile)
            #expect((owner[.ownerAccountID] as? Int) == 65534, "the state file was written by the unprivileged daemon")
            // No file the bridge created is world-writable.
            for file in try FileManager.default.contentsOfDirectory(atPath: scene.directory) {
                let attributes = try FileManager.default.attributesOfItem(atPath: scene.directory + "/" + file)
                guard (attributes[.ownerAccountID] as? Int) == 65534 else { continue }
                let mode = (attributes[.posixPermissions] as? Int) ?? 0o777
                #expect(mode & 0o002 == 0, "\(file) has mode \(String(mode, radix: 8))")
            }
            daemon.process.signal(SIGTERM)
            #expect(await daemon.process.waitForExit(within: .seconds(5)) == 0)
        }
    }
}
