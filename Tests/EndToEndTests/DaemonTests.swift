import Foundation
import Logging
import Mosquitto
import Testing
import TestSupport

/// The built daemon against a real broker and real nmap on the network-namespace test LAN, as a
/// user would run it: what a subscriber sees is what Home Assistant would see.
@Suite("The daemon on the test LAN", .enabled(if: TestLAN.shouldRun, "\(TestLAN.unavailableReason ?? "")"))
struct DaemonTests {
    static let interval = 2
    static let considerHome = 6

    @Test("announces the LAN, decides departures and returns honestly, answers Home Assistant, stops cleanly")
    func wholeLifecycle() async throws {
        let broker = try await MosquittoBroker.start()
        try await TestLAN.with { lab in
            let directory = try temporaryDirectory()
            defer { try? FileManager.default.removeItem(atPath: directory) }
            try await lab.nmapWrapper(path: directory + "/nmap")
            let configFile = directory + "/config.yaml"
            try """
            mqtt:
              host: 127.0.0.1
              port: \(broker.port)
              client_id: nmap2mqtt-e2e-\(lab.name)
            scan:
              hosts: \(lab.subnet)
              interval_seconds: \(Self.interval)
              consider_home: \(Self.considerHome)
              nmap_path: \(directory)/nmap
              listen: false  # outside the lab: never listen on this machine's interfaces
            state_file: \(directory)/state.json
            log_level: debug
            web: {port: 0}
            """.write(toFile: configFile, atomically: true, encoding: .utf8)

            let watcher = try MosquittoClient(configuration: MQTTConfiguration(host: broker.host, port: broker.port, clientID: "e2e-watch-\(lab.name)"),
                                              logger: Logger(label: "e2e"))
            let log = MessageLog(watcher.messages)
            try await watcher.connect()
            try await watcher.subscribe("#")

            let daemon = try Daemon.start(["run", "--config", configFile], logFile: directory + "/daemon.log")
            try await daemon.supervise {
                try await checkAnnouncements(lab: lab, log: log)
                try await checkDepartureAndReturn(lab: lab, log: log)
                try await checkHomeAssistantBirthAndDeletion(lab: lab, log: log, watcher: watcher)
                try await checkForget(lab: lab, log: log, configFile: configFile, directory: directory)
                try await checkCleanStop(daemon: daemon, lab: lab, broker: broker, configFile: configFile, deleted: lab.host(5), directory: directory)
            }
            await watcher.disconnect()
        }
        await broker.stop()
    }

    private func id(_ host: TestLAN.Host) -> String { host.mac.replacingOccurrences(of: ":", with: "") }

    private func checkAnnouncements(lab: TestLAN, log: MessageLog) async throws {
        _ = try await log.waitFor("nmap2mqtt/bridge/state", within: .seconds(15), "bridge online") { $0 == "online" }
        for host in lab.hosts {
            let config = try await log.waitFor("homeassistant/device_tracker/\(id(host))/config", within: .seconds(30),
                                               "the discovery config of \(host.hostName)") { !$0.isEmpty }
            let json = try #require(try JSONSerialization.jsonObject(with: Data(config.message.payload)) as? [String: Any])
            #expect(json["unique_id"] as? String == "nmap2mqtt_\(id(host))")
            #expect(json["source_type"] as? String == "router")
            #expect(json["state_topic"] as? String == "nmap2mqtt/\(id(host))/state")
            #expect(json["json_attributes_topic"] as? String == "nmap2mqtt/\(id(host))/attributes")
            #expect(json["payload_home"] as? String == "home" && json["payload_not_home"] as? String == "not_home")
            let availability = try #require(json["availability"] as? [[String: Any]])
            #expect(availability.first?["topic"] as? String == "nmap2mqtt/bridge/state")
            let device = try #require(json["device"] as? [String: Any])
            #expect((device["connections"] as? [[String]]) == [["mac", host.mac]])
            #expect((device["identifiers"] as? [String]) == ["nmap2mqtt_\(id(host))"])
            #expect(device["via_device"] as? String == "nmap2mqtt_bridge")
            #expect(device["name"] as? String != nil)
            let origin = try #require(json["origin"] as? [String: Any])
            #expect(origin["name"] as? String == "nmap2mqtt" && origin["sw_version"] != nil && origin["support_url"] != nil)

            _ = try await log.waitFor("nmap2mqtt/\(id(host))/state", within: .seconds(30), "\(host.hostName) home") { $0 == "home" }
            let attributes = try await log.waitFor("nmap2mqtt/\(id(host))/attributes", within: .seconds(10), "attributes of \(host.hostName)")
            let values = try #require(try JSONSerialization.jsonObject(with: Data(attributes.message.payload)) as? [String: Any])
            #expect(values["ip"] as? String == host.ip)
            #expect(values["mac"] as? String == host.mac)
            if let vendor = host.vendor {
                #expect(values["manufacturer"] as? String == vendor)
            }
            #expect(values["last_seen"] as? String != nil && values["reason"] as? String != nil)
        }
        // The scanner itself answers without a MAC: it must not be announced.
        #expect(log.on("homeassistant/device_tracker/\(lab.scannerMAC.replacingOccurrences(of: ":", with: ""))/config").isEmpty)
    }

    private func checkDepartureAndReturn(lab: TestLAN, log: MessageLog) async throws {
        let leaver = lab.host(4)
        let stateTopic = "nmap2mqtt/\(id(leaver))/state"
        let left = Date()
        try await lab.leave(leaver.index)
        let away = try await log.waitFor(stateTopic, within: .seconds(Self.considerHome + Self.interval + 40), since: left,
                                         "\(leaver.hostName) not_home") { $0 == "not_home" }
        let attributes = try #require(log.on("nmap2mqtt/\(id(leaver))/attributes").last)
        let values = try #require(try JSONSerialization.jsonObject(with: Data(attributes.message.payload)) as? [String: Any])
        let lastSeenText = try #require(values["last_seen"] as? String)
        let lastSeen = try Date(lastSeenText, strategy: .iso8601)
        // Not before consider_home after the last sighting, and never flapping before it.
        #expect(away.at.timeIntervalSince(lastSeen) >= Double(Self.considerHome) - 0.5,
                "not_home came \(away.at.timeIntervalSince(lastSeen)) s after the last sighting; consider_home is \(Self.considerHome) s")
        #expect(log.on(stateTopic, since: left).filter { $0.message.string == "not_home" }.count == 1)
        let departed = try await log.waitFor("nmap2mqtt/events", within: .seconds(5), since: left, "a departed event") {
            $0.contains("\"departed\"") && $0.contains(leaver.mac)
        }
        #expect(departed.message.retain == false)

        let joined = Date()
        try await lab.join(leaver.index)
        let back = try await log.waitFor(stateTopic, within: .seconds(30), since: joined, "\(leaver.hostName) home again") { $0 == "home" }
        // One interval plus one scan (nmap may stall a few seconds when its timing reference vanished).
        #expect(back.at.timeIntervalSince(joined) < Double(Self.interval) + 20)
    }

    private func checkHomeAssistantBirthAndDeletion(lab: TestLAN, log: MessageLog, watcher: MosquittoClient) async throws {
        let birth = Date()
        try await watcher.publish("homeassistant/status", "online", qos: .atLeastOnce, retain: false)
        for host in lab.hosts {
            _ = try await log.waitFor("homeassistant/device_tracker/\(id(host))/config", within: .seconds(10), since: birth,
                                      "discovery of \(host.hostName) again after Home Assistant's birth") { !$0.isEmpty }
        }

        // A user deletes host 5 in Home Assistant: Home Assistant clears its retained config.
        let deleted = lab.host(5)
        let deletion = Date()
        try await watcher.publish("homeassistant/device_tracker/\(id(deleted))/config", payload: [], qos: .atLeastOnce, retain: true)
        _ = try await log.waitFor("nmap2mqtt/\(id(deleted))/state", within: .seconds(10), since: deletion,
                                  "the deleted device's state cleared") { $0.isEmpty }
        let secondBirth = Date()
        try await watcher.publish("homeassistant/status", "online", qos: .atLeastOnce, retain: false)
        let kept = lab.host(1)
        _ = try await log.waitFor("homeassistant/device_tracker/\(id(kept))/config", within: .seconds(10), since: secondBirth,
                                  "discovery of \(kept.hostName) after the second birth") { !$0.isEmpty }
        try await Task.sleep(for: .seconds(Self.interval * 2))
        let resurrected = log.on("homeassistant/device_tracker/\(id(deleted))/config", since: deletion).filter { !$0.message.payload.isEmpty }
        #expect(resurrected.isEmpty, "a device deleted in Home Assistant was announced again")
        #expect(log.on("nmap2mqtt/\(id(deleted))/state", since: secondBirth).allSatisfy { $0.message.payload.isEmpty })
    }

    /// `nmap2mqtt forget` while the daemon runs: the device's retained topics are cleared and the
    /// daemon forgets it; still on the LAN, it is announced afresh at the next scan.
    private func checkForget(lab: TestLAN, log: MessageLog, configFile: String, directory: String) async throws {
        let host = lab.host(6)
        let forgotten = Date()
        let result = try await Daemon.run(["forget", host.mac.uppercased(), "--config", configFile], directory: directory)
        #expect(result.status == 0, "forget: \(result.output)")
        #expect(result.output.contains("forgot \(id(host))"))
        let configTopic = "homeassistant/device_tracker/\(id(host))/config"
        let cleared = try await log.waitFor(configTopic, within: .seconds(5), since: forgotten, "the forgotten device's config cleared") { $0.isEmpty }
        _ = try await log.waitFor("nmap2mqtt/\(id(host))/state", within: .seconds(5), since: forgotten, "its state cleared") { $0.isEmpty }
        _ = try await log.waitFor(configTopic, within: .seconds(Self.interval + 20), since: cleared.at,
                                  "the device announced afresh") { !$0.isEmpty }
    }

    private func checkCleanStop(daemon: Daemon, lab: TestLAN, broker: MosquittoBroker, configFile: String, deleted: TestLAN.Host,
                                directory: String) async throws {
        let stopAsked = ContinuousClock.now
        daemon.process.signal(SIGTERM)
        let status = await daemon.process.waitForExit(within: .seconds(5))
        let took = ContinuousClock.now - stopAsked
        #expect(status == 0, "exit status after SIGTERM")
        #expect(took < .seconds(2), "stopping took \(took)")
        #expect(try await lab.scannerProcesses().isEmpty, "nmap must not outlive the daemon")

        let reader = try MosquittoClient(configuration: MQTTConfiguration(host: broker.host, port: broker.port, clientID: "e2e-read-\(UUID().uuidString.prefix(8))"),
                                         logger: Logger(label: "e2e"))
        let retained = MessageLog(reader.messages)
        try await reader.connect()
        try await reader.subscribe("nmap2mqtt/bridge/state")
        try await reader.subscribe("homeassistant/device_tracker/+/config")
        try await reader.subscribe("nmap2mqtt/+/state")
        _ = try await retained.waitFor("nmap2mqtt/bridge/state", within: .seconds(5), "the retained bridge state") { $0 == "offline" }
        // A late subscriber (Home Assistant after a restart) finds every config and state retained,
        // except those of the device deleted in Home Assistant.
        let deletedID = deleted.mac.replacingOccurrences(of: ":", with: "")
        _ = try await retained.wait("five retained discovery configs", within: .seconds(5)) { entries in
            let configs = Set(entries.filter { $0.message.topic.hasSuffix("/config") && $0.message.retain }.map(\.message.topic))
            return configs.count == 5 ? configs : nil
        }
        _ = try await retained.wait("five retained device states", within: .seconds(5)) { entries in
            let states = Set(entries.filter {
                $0.message.topic.hasPrefix("nmap2mqtt/") && $0.message.topic.hasSuffix("/state")
                    && $0.message.topic != "nmap2mqtt/bridge/state" && $0.message.retain
            }.map(\.message.topic))
            return states.count == 5 ? states : nil
        }
        try await Task.sleep(for: .milliseconds(300))
        #expect(retained.all.allSatisfy { $0.message.retain }, "everything a late subscriber gets is retained")
        #expect(!retained.all.contains { $0.message.topic.contains(deletedID) })
        await reader.disconnect()

        let devices = try await Daemon.run(["devices", "--config", configFile, "--json"], directory: directory)
        #expect(devices.status == 0)
        let list = try #require(try JSONSerialization.jsonObject(with: Data(devices.output.utf8)) as? [[String: Any]], "\(devices.output)")
        #expect(list.count == 6)
        #expect(list.first { $0["mac"] as? String == deleted.mac }?["deleted"] as? Bool == true)
    }
}

func temporaryDirectory() throws -> String {
    let path = NSTemporaryDirectory() + "nmap2mqtt-e2e-" + UUID().uuidString.prefix(8)
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    chmod(path, 0o755)
    return path
}
