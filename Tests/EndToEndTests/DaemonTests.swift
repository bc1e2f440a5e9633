import Foundation
import Logging
import Mosquitto
import TestSupport
import Testing

/// The built daemon against a real broker and real nmap on the network-namespace test LAN, as a
/// user would run it: what a subscriber sees is what Home Assistant would see.
@Suite("The daemon on the test LAN", .enabled(if: TestLAN.shouldRun, "\(TestLAN.unavailableReason ?? "")"))
struct DaemonTests {
    static let interval = 2
    static let considerHome = 6

    @Test("announces the LAN, decides departures and returns honestly, answers Home Assistant, stops cleanly")
    func wholeLifecycle() async throws {
        // nmap's default options and timeout, as a user who sets neither.
        try await withBridge(
            lab: true, labName: TestLAN.uniqueName(),
            config: BridgeConfig(
                interval: Self.interval, considerHome: Self.considerHome,
                timeout: nil, scanOptions: nil)
        ) { scene in
            let (lab, log) = (try #require(scene.lab), scene.watcher.log)
            try await checkAnnouncements(lab: lab, log: log)
            try await checkDepartureAndReturn(lab: lab, log: log)
            try await checkHomeAssistantBirthAndDeletion(lab: lab, log: log, watcher: scene.watcher.client)
            try await checkForget(lab: lab, log: log, scene: scene)
            try await checkCleanStop(scene: scene, deleted: lab.host(5))
        }
    }

    private func id(_ host: TestLAN.Host) -> String { host.deviceID }

    private func checkAnnouncements(lab: TestLAN, log: MessageLog) async throws {
        _ = try await log.waitFor("nmap2mqtt/bridge/state", within: .seconds(15), "bridge online") { $0 == "online" }
        for host in lab.hosts {
            let config = try await log.waitFor(
                "homeassistant/device_tracker/\(id(host))/config", within: .seconds(30),
                "the discovery config of \(host.hostName)"
            ) { !$0.isEmpty }
            let discovery = try config.decoded(as: Published.TrackerConfig.self)
            #expect(discovery.uniqueId == "nmap2mqtt_\(id(host))")
            #expect(discovery.sourceType == "router")
            #expect(discovery.stateTopic == "nmap2mqtt/\(id(host))/state")
            #expect(discovery.jsonAttributesTopic == "nmap2mqtt/\(id(host))/attributes")
            #expect(discovery.payloadHome == "home" && discovery.payloadNotHome == "not_home")
            #expect(discovery.availability.map(\.topic) == ["nmap2mqtt/nodes/\(BridgeConfig.testNodeID)/state"])
            #expect(discovery.device.connections == [["mac", host.mac]])
            #expect(discovery.device.identifiers == ["nmap2mqtt_\(id(host))"])
            #expect(discovery.device.viaDevice == "nmap2mqtt_bridge")
            #expect(discovery.origin.name == "nmap2mqtt" && !discovery.origin.swVersion.isEmpty && !discovery.origin.supportUrl.isEmpty)

            _ = try await log.waitFor("nmap2mqtt/\(id(host))/state", within: .seconds(30), "\(host.hostName) home") { $0 == "home" }
            let attributes = try await log.waitFor("nmap2mqtt/\(id(host))/attributes", within: .seconds(10), "attributes of \(host.hostName)")
            let values = try attributes.decoded(as: Published.Attributes.self)
            #expect(values.ip == host.ip)
            #expect(values.mac == host.mac)
            if let vendor = host.vendor {
                #expect(values.manufacturer == vendor)
            }
        }
        // The scanner itself answers without a MAC: it must not be announced.
        #expect(log.on("homeassistant/device_tracker/\(lab.scannerMAC.replacingOccurrences(of: ":", with: ""))/config").isEmpty)
    }

    private func checkDepartureAndReturn(lab: TestLAN, log: MessageLog) async throws {
        let leaver = lab.host(4)
        let stateTopic = "nmap2mqtt/\(id(leaver))/state"
        let left = Date()
        try await lab.leave(leaver.index)
        let away = try await log.waitFor(
            stateTopic, within: .seconds(Self.considerHome + Self.interval + 40), since: left,
            "\(leaver.hostName) not_home"
        ) { $0 == "not_home" }
        let attributes = try #require(log.on("nmap2mqtt/\(id(leaver))/attributes").last)
        let lastSeen = try attributes.decoded(as: Published.Attributes.self).lastSeen
        // Not before consider_home after the last sighting, and never flapping before it.
        #expect(
            away.at.timeIntervalSince(lastSeen) >= Double(Self.considerHome) - 0.5,
            "not_home came \(away.at.timeIntervalSince(lastSeen)) s after the last sighting; consider_home is \(Self.considerHome) s")
        #expect(log.on(stateTopic, since: left).filter { $0.message.string == "not_home" }.count == 1)
        let departed = try await log.waitFor("nmap2mqtt/events", as: Published.Event.self, within: .seconds(5), since: left, "a departed event") {
            $0.event == .departed && $0.device.mac == leaver.mac
        }.entry
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
            _ = try await log.waitFor(
                "homeassistant/device_tracker/\(id(host))/config", within: .seconds(10), since: birth,
                "discovery of \(host.hostName) again after Home Assistant's birth"
            ) { !$0.isEmpty }
        }

        // A user deletes host 5 in Home Assistant: Home Assistant clears its retained config.
        let deleted = lab.host(5)
        let deletion = Date()
        try await watcher.publish("homeassistant/device_tracker/\(id(deleted))/config", payload: [], qos: .atLeastOnce, retain: true)
        _ = try await log.waitFor(
            "nmap2mqtt/\(id(deleted))/state", within: .seconds(10), since: deletion,
            "the deleted device's state cleared"
        ) { $0.isEmpty }
        let secondBirth = Date()
        try await watcher.publish("homeassistant/status", "online", qos: .atLeastOnce, retain: false)
        let kept = lab.host(1)
        _ = try await log.waitFor(
            "homeassistant/device_tracker/\(id(kept))/config", within: .seconds(10), since: secondBirth,
            "discovery of \(kept.hostName) after the second birth"
        ) { !$0.isEmpty }
        try await Task.sleep(for: .seconds(Self.interval * 2))
        let resurrected = log.on("homeassistant/device_tracker/\(id(deleted))/config", since: deletion).filter { !$0.message.payload.isEmpty }
        #expect(resurrected.isEmpty, "a device deleted in Home Assistant was announced again")
        #expect(log.on("nmap2mqtt/\(id(deleted))/state", since: secondBirth).allSatisfy { $0.message.payload.isEmpty })
    }

    /// `nmap2mqtt forget` while the daemon runs: the device's retained topics are cleared and the
    /// daemon forgets it; still on the LAN, it is announced afresh at the next scan.
    private func checkForget(lab: TestLAN, log: MessageLog, scene: Scene) async throws {
        let host = lab.host(6)
        let forgotten = Date()
        let result = try await scene.run(["forget", host.mac.uppercased(), "--config", scene.configFile])
        #expect(result.status == 0, "forget: \(result.output)")
        #expect(result.output.contains("forgot \(id(host))"))
        let configTopic = "homeassistant/device_tracker/\(id(host))/config"
        let cleared = try await log.waitFor(configTopic, within: .seconds(5), since: forgotten, "the forgotten device's config cleared") {
            $0.isEmpty
        }
        _ = try await log.waitFor("nmap2mqtt/\(id(host))/state", within: .seconds(5), since: forgotten, "its state cleared") { $0.isEmpty }
        _ = try await log.waitFor(
            configTopic, within: .seconds(Self.interval + 20), since: cleared.at,
            "the device announced afresh"
        ) { !$0.isEmpty }
    }

    private func checkCleanStop(scene: Scene, deleted: TestLAN.Host) async throws {
        let (daemon, lab, broker) = (scene.daemon, try #require(scene.lab), scene.broker)
        let stopAsked = ContinuousClock.now
        daemon.process.signal(SIGTERM)
        let status = await daemon.process.waitForExit(within: .seconds(5))
        let took = ContinuousClock.now - stopAsked
        #expect(status == 0, "exit status after SIGTERM")
        #expect(took < .seconds(2), "stopping took \(took)")
        #expect(try await lab.scannerProcesses().isEmpty, "nmap must not outlive the daemon")

        let reader = try MosquittoClient(
            configuration: MQTTConfiguration(host: broker.host, port: broker.port, clientID: "e2e-read-\(UUID().uuidString.prefix(8))"),
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
            let states = Set(
                entries.filter {
                    $0.message.topic.hasPrefix("nmap2mqtt/") && $0.message.topic.hasSuffix("/state")
                        && $0.message.topic != "nmap2mqtt/bridge/state" && $0.message.retain
                }.map(\.message.topic))
            return states.count == 5 ? states : nil
        }
        try await Task.sleep(for: .milliseconds(300))
        #expect(retained.all.allSatisfy { $0.message.retain }, "everything a late subscriber gets is retained")
        #expect(!retained.all.contains { $0.message.topic.contains(deletedID) })
        await reader.disconnect()

        let devices = try await scene.run(["devices", "--config", scene.configFile, "--json"])
        #expect(devices.status == 0)
        let list = try Published.decode([Published.StoredDevice].self, from: Array(devices.output.utf8))
        #expect(list.count == 6, "\(devices.output)")
        #expect(list.first { $0.mac == deleted.mac }?.deleted == true)
    }
}
