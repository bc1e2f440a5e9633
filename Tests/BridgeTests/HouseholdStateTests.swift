import Foundation
import NetworkAddresses
import NmapScanner
import Presence
import Testing

@testable import Bridge

/// One node of a household, built by the factory against a scripted network and no broker: the other
/// nodes' retained topics are handed to it as the broker would deliver them, and what it states for the
/// broker is read from its publisher.
@Suite("Household: one node among several")
struct HouseholdStateTests {
    static let phone = ScanHost(ipv4: "192.0.2.12", mac: "3c:22:fb:12:34:56", vendor: "Apple", reason: "arp-response")
    static let router = ScanHost(ipv4: "192.0.2.1", mac: "00:11:22:33:44:55", vendor: "Router Co", reason: "arp-response")
    static let phoneID = "3c22fb123456"
    static let tabletID = "3c22fb654321"

    struct Node {
        let app: BridgeApplication
        let clock: SteppedClock
        let network: ScriptedNetwork
        let directory: ConfigTestDirectory
        var state: BridgeState { app.state }

        func text(_ topic: String) -> String? {
            app.state.publisher.desiredPayload(topic).map { String(decoding: $0, as: UTF8.self) }
        }

        /// A message from the broker on a node topic (its retained copy, or a live one).
        func deliver(_ topic: String, _ payload: String) throws {
            let parsed = try #require(app.state.topics.nodeTopic(topic), "not a node topic: \(topic)")
            app.state.householdMessage(parsed, payload: Array(payload.utf8))
        }

        func events() throws -> [EventPayload] {
            try app.state.publisher.pendingEvents().map { try decode(EventPayload.self, $0.payload) }
        }

        func bridgeInfo() throws -> HouseholdInfoPayload {
            try decode(HouseholdInfoPayload.self, app.state.publisher.desiredPayload("nmap2mqtt/bridge/info"))
        }
    }

    private func node(_ id: String = "m", considerHome: Int = 1, join: Bool = true) throws -> Node {
        let directory = try ConfigTestDirectory()
        let yaml = """
            scan: {hosts: 192.0.2.0/24, consider_home: \(considerHome), interval_seconds: 1}
            state_file: state.json
            node_id: \(id)
            """
        let configuration = try BridgeConfiguration.parse(yaml: yaml, configDirectory: directory.path, environment: [:])
        let network = ScriptedNetwork()
        let clock = SteppedClock()
        let app = try BridgeApplication.build(
            configuration: configuration, logger: quietLogger, scanner: network, now: { clock.wall }, uptime: { clock.uptime })
        if join { app.state.joined() }
        return Node(app: app, clock: clock, network: network, directory: directory)
    }

    /// Another node's view of a device, as it publishes it.
    static func view(_ id: String, ip: String, state: PresenceState, seenAt seconds: TimeInterval, name: String = "Tablet") -> String {
        let device = Device(
            id: id, mac: MACAddress.normalized(id), ip: ip, name: name, state: state,
            firstSeen: SteppedClock.start, lastSeen: SteppedClock.start.addingTimeInterval(seconds), reason: "arp-response")
        return String(decoding: Payloads.view(device), as: UTF8.self)
    }

    static func info(_ node: String, startedAt: String = "2026-12-01T00:00:00Z", considerHome: Double = 1, instance: String = "other")
        -> String
    {
        let info = NodeInfo(
            node: node, instance: instance, version: "test", started_at: startedAt, scan_targets: ["198.18.0.0/24"],
            consider_home_seconds: considerHome, discovery: true, discovery_prefix: "homeassistant")
        return String(decoding: Payloads.encode(info), as: UTF8.self)
    }

    @Test("alone, a node leads: its node topics, the shared topics, availability on its own will")
    func alone() async throws {
        let node = try node()
        defer { node.directory.remove() }
        node.network.set([Self.phone, Self.router])
        await node.app.presence.scan(excluding: [])
        #expect(node.state.role == .leader)
        #expect(node.text("nmap2mqtt/nodes/m/state") == "online")
        let info = try decode(NodeInfoPayload.self, node.app.state.publisher.desiredPayload("nmap2mqtt/nodes/m/info"))
        #expect(info.node == "m" && info.consider_home_seconds == 1 && info.discovery)
        let view = try decode(DevicesEntry.self, node.app.state.publisher.desiredPayload("nmap2mqtt/nodes/m/devices/\(Self.phoneID)"))
        #expect(view.state == "home")
        #expect(node.text("nmap2mqtt/\(Self.phoneID)/state") == "home")
        #expect(node.text("nmap2mqtt/bridge/state") == "online")
        let discovery = try decode(
            HouseholdDiscovery.self, node.app.state.publisher.desiredPayload("homeassistant/device_tracker/\(Self.phoneID)/config"))
        #expect(discovery.availability.map(\.topic) == ["nmap2mqtt/nodes/m/state"] && discovery.availability_mode == "any")
        #expect(node.state.lastWords().map(\.topic) == ["nmap2mqtt/bridge/state", "nmap2mqtt/nodes/m/state"])
    }

    @Test("before it has read the broker a node publishes nothing; the events of that time wait for its role")
    func joining() async throws {
        let node = try node(join: false)
        defer { node.directory.remove() }
        node.network.set([Self.phone, Self.router])
        await node.app.presence.scan(excluding: [])
        #expect(node.state.role == .joining)
        #expect(node.text("nmap2mqtt/\(Self.phoneID)/state") == nil && node.text("nmap2mqtt/nodes/m/state") == nil)
        #expect(try node.events().isEmpty)
        #expect(node.state.lastWords().isEmpty)
        node.state.joined()
        #expect(node.text("nmap2mqtt/\(Self.phoneID)/state") == "home")
        #expect(try node.events().map(\.id) == ["001122334455", Self.phoneID])
    }

    @Test("a live node with a lower id leads; this one keeps only its node topics, and takes over when that node dies")
    func follower() async throws {
        let node = try node()
        defer { node.directory.remove() }
        node.network.set([Self.phone, Self.router])
        await node.app.presence.scan(excluding: [])
        try node.deliver("nmap2mqtt/nodes/a/info", Self.info("a"))
        try node.deliver("nmap2mqtt/nodes/a/state", "online")
        #expect(node.state.role == .follower)
        #expect(node.text("nmap2mqtt/\(Self.phoneID)/state") == nil, "a follower states no shared topic")
        #expect(node.text("nmap2mqtt/bridge/state") == nil)
        #expect(node.text("nmap2mqtt/nodes/m/devices/\(Self.phoneID)") != nil)
        #expect(node.state.lastWords().map(\.topic) == ["nmap2mqtt/nodes/m/state"])

        // The leader's will arrives: this node leads at once and states everything, with no event for
        // devices that stayed home.
        let eventsBefore = try node.events().count
        try node.deliver("nmap2mqtt/nodes/a/state", "offline")
        #expect(node.state.role == .leader)
        #expect(node.text("nmap2mqtt/\(Self.phoneID)/state") == "home")
        #expect(node.text("nmap2mqtt/bridge/state") == "online")
        #expect(try node.events().count == eventsBefore)
    }

    @Test("home if any live node sees it home; a device only a dead node saw stays as it was and loses availability")
    func merge() async throws {
        let node = try node()
        defer { node.directory.remove() }
        node.network.set([Self.phone, Self.router])
        await node.app.presence.scan(excluding: [])
        // Node z (a higher id: this node keeps leading) sees a tablet this node never saw.
        try node.deliver("nmap2mqtt/nodes/z/info", Self.info("z"))
        try node.deliver("nmap2mqtt/nodes/z/state", "online")
        try node.deliver("nmap2mqtt/nodes/z/devices/\(Self.tabletID)", Self.view(Self.tabletID, ip: "198.18.0.7", state: .home, seenAt: 1))
        #expect(node.state.role == .leader)
        #expect(node.text("nmap2mqtt/\(Self.tabletID)/state") == "home")
        #expect(try node.events().last.map { "\($0.event) \($0.id)" } == "arrived \(Self.tabletID)")
        var discovery = try decode(
            HouseholdDiscovery.self, node.app.state.publisher.desiredPayload("homeassistant/device_tracker/\(Self.tabletID)/config"))
        #expect(discovery.availability.map(\.topic) == ["nmap2mqtt/nodes/z/state"])

        // z also sees the phone, not home: this node sees it home, so it stays home, with both as viewers.
        try node.deliver("nmap2mqtt/nodes/z/devices/\(Self.phoneID)", Self.view(Self.phoneID, ip: "192.0.2.12", state: .notHome, seenAt: 0))
        #expect(node.text("nmap2mqtt/\(Self.phoneID)/state") == "home")
        discovery = try decode(
            HouseholdDiscovery.self, node.app.state.publisher.desiredPayload("homeassistant/device_tracker/\(Self.phoneID)/config"))
        #expect(discovery.availability.map(\.topic) == ["nmap2mqtt/nodes/m/state", "nmap2mqtt/nodes/z/state"])

        // z dies: the tablet keeps its state (never not_home); its availability is z's will.
        let eventsBefore = try node.events().count
        try node.deliver("nmap2mqtt/nodes/z/state", "offline")
        #expect(node.text("nmap2mqtt/\(Self.tabletID)/state") == "home")
        #expect(try node.events().count == eventsBefore)
        let info = try node.bridgeInfo()
        #expect(info.nodes.map(\.node) == ["m", "z"] && info.nodes.map(\.online) == [true, false])
        #expect(info.leader == "m" && info.node == "m")

        // z comes back and has decided the tablet left: now it is not_home, with one event.
        try node.deliver("nmap2mqtt/nodes/z/state", "online")
        try node.deliver("nmap2mqtt/nodes/z/devices/\(Self.tabletID)", Self.view(Self.tabletID, ip: "198.18.0.7", state: .notHome, seenAt: 1))
        #expect(node.text("nmap2mqtt/\(Self.tabletID)/state") == "not_home")
        #expect(try node.events().last.map { "\($0.event) \($0.id)" } == "departed \(Self.tabletID)")
    }

    @Test("a restarted node's memory does not undo what a live node decided while it was away")
    func restartedMemory() async throws {
        let first = try node()
        defer { first.directory.remove() }
        first.network.set([Self.phone, Self.router])
        await first.app.presence.scan(excluding: [])
        first.state.save()
        first.state.writer.writePending()
        let saved = try String(contentsOfFile: first.directory.path + "/state.json", encoding: .utf8)

        // The same node starts again with the phone home in its state file, and has not scanned yet.
        let directory = try ConfigTestDirectory()
        defer { directory.remove() }
        try directory.write("state.json", saved)
        let configuration = try BridgeConfiguration.parse(
            yaml: "scan: {hosts: 192.0.2.0/24, consider_home: 1, interval_seconds: 1}\nstate_file: state.json\nnode_id: m",
            configDirectory: directory.path, environment: [:])
        let network = ScriptedNetwork()
        let clock = SteppedClock()
        let app = try BridgeApplication.build(
            configuration: configuration, logger: quietLogger, scanner: network, now: { clock.wall }, uptime: { clock.uptime })
        let node = Node(app: app, clock: clock, network: network, directory: directory)
        // While it was away node z (a higher id) decided the phone left.
        try node.deliver("nmap2mqtt/nodes/z/state", "online")
        try node.deliver(
            "nmap2mqtt/nodes/z/devices/\(Self.phoneID)", Self.view(Self.phoneID, ip: "192.0.2.12", state: .notHome, seenAt: 5))
        node.state.joined()
        #expect(node.state.role == .leader)
        #expect(node.text("nmap2mqtt/nodes/m/devices/\(Self.phoneID)")?.contains("\"confirmed\":false") == true)
        #expect(node.text("nmap2mqtt/\(Self.phoneID)/state") == "not_home", "memory gives way to z's decision")

        // Its first scan sees the phone: news, and the view says so.
        network.set([Self.phone, Self.router])
        await app.presence.scan(excluding: [])
        #expect(node.text("nmap2mqtt/\(Self.phoneID)/state") == "home")
        #expect(node.text("nmap2mqtt/nodes/m/devices/\(Self.phoneID)")?.contains("confirmed") == false)
    }

    @Test("a second process with a node_id in use publishes nothing, and takes over when the first stops")
    func duplicate() async throws {
        let node = try node(join: false)
        defer { node.directory.remove() }
        node.network.set([Self.phone, Self.router])
        await node.app.presence.scan(excluding: [])
        // What the broker holds for this id: a live node of another instance, started earlier.
        try node.deliver("nmap2mqtt/nodes/m/state", "online")
        try node.deliver("nmap2mqtt/nodes/m/info", Self.info("m", startedAt: "2026-01-01T00:00:00Z"))
        node.state.joined()
        #expect(node.state.role == .duplicate)
        #expect(node.text("nmap2mqtt/nodes/m/state") == nil && node.text("nmap2mqtt/\(Self.phoneID)/state") == nil)
        #expect(node.state.lastWords().isEmpty, "its last words would say the other node died")

        try node.deliver("nmap2mqtt/nodes/m/state", "offline")
        #expect(node.state.role == .leader)
        #expect(node.text("nmap2mqtt/nodes/m/state") == "online" && node.text("nmap2mqtt/\(Self.phoneID)/state") == "home")
    }

    @Test("two processes that joined at once with one id: the one that started later steps back")
    func simultaneousDuplicate() throws {
        let node = try node()
        defer { node.directory.remove() }
        #expect(node.state.role == .leader)
        try node.deliver("nmap2mqtt/nodes/m/info", Self.info("m", startedAt: "2099-01-01T00:00:00Z"))
        #expect(node.state.role == .leader, "the other started later: it steps back")
        try node.deliver("nmap2mqtt/nodes/m/info", Self.info("m", startedAt: "2000-01-01T00:00:00Z"))
        #expect(node.state.role == .duplicate)
        #expect(node.text("nmap2mqtt/nodes/m/state") == nil)
    }

    @Test("a node with another consider_home is named in bridge/info")
    func warnings() async throws {
        let node = try node(considerHome: 180)
        defer { node.directory.remove() }
        try node.deliver("nmap2mqtt/nodes/z/info", Self.info("z", considerHome: 300))
        try node.deliver("nmap2mqtt/nodes/z/state", "online")
        let warnings = try node.bridgeInfo().household_warnings
        #expect(warnings.count == 1 && warnings[0].contains("consider_home 300 s") && warnings[0].contains("node m 180 s"))
        try node.deliver("nmap2mqtt/nodes/z/state", "offline")
        #expect(try node.bridgeInfo().household_warnings.isEmpty, "a dead node's settings matter no more")
    }

    @Test("a view that is not a device's JSON is ignored; an empty one clears the view")
    func badView() throws {
        let node = try node()
        defer { node.directory.remove() }
        try node.deliver("nmap2mqtt/nodes/z/state", "online")
        try node.deliver("nmap2mqtt/nodes/z/devices/\(Self.tabletID)", "{not json")
        #expect(node.text("nmap2mqtt/\(Self.tabletID)/state") == nil)
        try node.deliver("nmap2mqtt/nodes/z/devices/\(Self.tabletID)", Self.view(Self.tabletID, ip: "198.18.0.7", state: .home, seenAt: 1))
        #expect(node.text("nmap2mqtt/\(Self.tabletID)/state") == "home")
        try node.deliver("nmap2mqtt/nodes/z/devices/\(Self.tabletID)", "")
        #expect(try node.bridgeInfo().device_count == 0)
    }
}

struct NodeInfoPayload: Decodable {
    var node: String
    var instance: String
    var consider_home_seconds: Double
    var discovery: Bool
}

struct HouseholdDiscovery: Decodable {
    struct Availability: Decodable {
        var topic: String
    }

    var availability: [Availability]
    var availability_mode: String?
}

struct HouseholdInfoPayload: Decodable {
    struct Node: Decodable {
        var node: String
        var online: Bool
        var devices: Int
        var home: Int
    }

    var node: String
    var leader: String
    var nodes: [Node]
    var household_warnings: [String]
    var device_count: Int
}

@Suite("Household: configuration")
struct HouseholdConfigTests {
    private func parse(_ yaml: String) throws -> BridgeConfiguration {
        try BridgeConfiguration.parse(yaml: "scan: {hosts: 192.0.2.0/24}\n" + yaml, configDirectory: "/tmp", environment: [:])
    }

    @Test("node_id names the node and, unless mqtt.client_id is given, its client")
    func nodeID() throws {
        #expect(try parse("node_id: garden-office_2").nodeID == "garden-office_2")
        #expect(try parse("node_id: iot").mqtt.connection.clientID == "nmap2mqtt-iot-\(MQTTSettings.runSuffix)")
        #expect(try parse("node_id: iot\nmqtt: {client_id: mine}").mqtt.connection.clientID == "mine")
        #expect(try parse("").mqtt.connection.clientID == MQTTSettings.defaultClientID())
        #expect(try parse("").nodeID == BridgeConfiguration.defaultNodeID())
        #expect(BridgeConfiguration.isValidNodeID(BridgeConfiguration.defaultNodeID()))
    }

    @Test(
        "a node_id that cannot be one level of a topic is refused, saying what would do",
        arguments: ["a/b", "a+", "#", "two words", "", "ä", String(repeating: "x", count: 65)])
    func badNodeID(_ value: String) throws {
        do throws(ConfigError) {
            _ = try BridgeConfiguration.parse(
                yaml: "scan: {hosts: 192.0.2.0/24}\nnode_id: \"\(value)\"", configDirectory: "/tmp", environment: [:])
            Issue.record("node_id \(value) was accepted")
        } catch {
            #expect(error.keyPath == "node_id")
            #expect(error.message.contains("letters, digits, _ or -"), "\(error.message)")
        }
    }
}
