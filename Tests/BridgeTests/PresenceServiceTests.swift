import Foundation
import NmapScanner
import Presence
import Synchronization
import Testing

@testable import Bridge

/// The presence service as the factory builds it, against a scripted network and no broker: what it
/// states for the broker (the publisher's wanted topics) and for the state file after each step.
@Suite("Presence service: scans in, topics and events out")
struct PresenceServiceTests {
    static let phone = ScanHost(ipv4: "192.0.2.12", mac: "3c:22:fb:12:34:56", vendor: "Apple", reason: "arp-response")
    static let router = ScanHost(ipv4: "192.0.2.1", mac: "00:11:22:33:44:55", vendor: "Router Co", hostName: "router.lan", reason: "arp-response")
    static let phoneID = "3c22fb123456"

    struct Bench {
        let app: BridgeApplication
        let clock: SteppedClock
        let network: ScriptedNetwork
        let directory: ConfigTestDirectory
        var publisher: TopicPublisher { app.state.publisher }

        func payload(_ topic: String) -> [UInt8]? { publisher.desiredPayload("nmap2mqtt/\(topic)") }
        func text(_ topic: String) -> String? { payload(topic).map { String(decoding: $0, as: UTF8.self) } }
        func events() throws -> [EventPayload] {
            try publisher.pendingEvents().map { try decode(EventPayload.self, $0.payload) }
        }
    }

    private func bench(_ extra: String = "", state: String? = nil) throws -> Bench {
        let directory = try ConfigTestDirectory()
        if let state { try directory.write("state.json", state) }
        let yaml = """
            scan: {hosts: 192.0.2.0/24, consider_home: 1, interval_seconds: 1}
            state_file: state.json
            \(extra)
            """
        let configuration = try BridgeConfiguration.parse(yaml: yaml, configDirectory: directory.path, environment: [:])
        let network = ScriptedNetwork()
        let clock = SteppedClock()
        let app = try BridgeApplication.build(
            configuration: configuration, logger: quietLogger, scanner: network,
            now: { clock.wall }, uptime: { clock.uptime })
        // No broker: the node joins a household of one, as it would after reading an empty broker.
        app.state.joined()
        return Bench(app: app, clock: clock, network: network, directory: directory)
    }

    @Test("an arrival is published once: state, attributes, discovery, one event with seq 1")
    func arrival() async throws {
        let bench = try bench()
        defer { bench.directory.remove() }
        bench.network.set([Self.phone, Self.router])
        await bench.app.presence.scan(excluding: [])
        #expect(bench.text("\(Self.phoneID)/state") == "home")
        let attributes = try decode(AttributesPayload.self, bench.payload("\(Self.phoneID)/attributes"))
        #expect(attributes.ip == "192.0.2.12" && attributes.reason == "arp-response" && attributes.manufacturer == "Apple")
        let discovery = try decode(DiscoveryConfig.self, bench.publisher.desiredPayload("homeassistant/device_tracker/\(Self.phoneID)/config"))
        #expect(discovery.device.name == "Apple 12:34:56")
        let events = try bench.events()
        #expect(events.map(\.event) == ["arrived", "arrived"] && events.map(\.seq) == [1, 2])

        // The same scan again: nothing new for the devices, no event.
        let before = bench.payload("\(Self.phoneID)/attributes")
        bench.clock.advance(1)
        await bench.app.presence.scan(excluding: [])
        #expect(bench.payload("\(Self.phoneID)/attributes") == before, "last_seen alone does not republish")
        #expect(try bench.events().count == 2)
    }

    @Test("names: configured, then host name, then vendor and MAC; a rename in the config renames the device")
    func names() async throws {
        let bench = try bench("devices: [{mac: '3C-22-FB-12-34-56', name: \"Anna's iPhone\"}]")
        defer { bench.directory.remove() }
        bench.network.set([Self.phone, Self.router])
        await bench.app.presence.scan(excluding: [])
        let anna = try decode(DiscoveryConfig.self, bench.publisher.desiredPayload("homeassistant/device_tracker/\(Self.phoneID)/config"))
        #expect(anna.device.name == "Anna's iPhone")
        let raw = try #require(
            try JSONSerialization.jsonObject(
                with: Data(bench.publisher.desiredPayload("homeassistant/device_tracker/\(Self.phoneID)/config") ?? [])) as? [String: Any])
        #expect(raw["name"] is NSNull, "entity name null: the entity takes the device's name")
        #expect(anna.object_id == nil && anna.unique_id == "nmap2mqtt_\(Self.phoneID)")
        #expect(anna.device.connections == [["mac", "3c:22:fb:12:34:56"]] && anna.origin.name == "nmap2mqtt")
        let router = try decode(DiscoveryConfig.self, bench.publisher.desiredPayload("homeassistant/device_tracker/001122334455/config"))
        #expect(router.device.name == "router")
        bench.app.state.save()
        bench.app.state.writer.writePending()

        // Restart with the device renamed: same unique id, new name.
        let state = try String(contentsOfFile: bench.directory.path + "/state.json", encoding: .utf8)
        let renamed = try self.bench("devices: [{mac: 3c:22:fb:12:34:56, name: Anna}]", state: state)
        defer { renamed.directory.remove() }
        renamed.app.state.sync()
        let again = try decode(DiscoveryConfig.self, renamed.publisher.desiredPayload("homeassistant/device_tracker/\(Self.phoneID)/config"))
        #expect(again.device.name == "Anna" && again.unique_id == anna.unique_id)
    }

    @Test("a departure needs the grace and a silent, witnessed re-probe; events count on across a restart")
    func departure() async throws {
        let bench = try bench()
        defer { bench.directory.remove() }
        bench.network.set([Self.phone, Self.router])
        await bench.app.presence.scan(excluding: [])
        bench.network.set([Self.router])
        for _ in 0..<3 {
            bench.clock.advance(0.6)
            await bench.app.presence.scan(excluding: [])
        }
        #expect(bench.text("\(Self.phoneID)/state") == "home", "not before a re-probe")
        var plan = PresencePlan()
        bench.app.state.withStatus { plan = $0.engine.next(at: bench.app.state.moment()) }
        #expect(plan.probes.map(\.address) == ["192.0.2.12"] && plan.probes.first?.witnesses == ["192.0.2.1"])
        await bench.app.presence.reprobe(plan.probes)
        #expect(bench.text("\(Self.phoneID)/state") == "not_home")
        let attributes = try decode(AttributesPayload.self, bench.payload("\(Self.phoneID)/attributes"))
        #expect(attributes.reason.contains("re-probe of 192.0.2.12 got no answer"))
        #expect(try bench.events().map(\.event) == ["arrived", "arrived", "departed"])
        #expect(try bench.events().last?.seq == 3)

        bench.app.state.writer.writePending()
        let state = try String(contentsOfFile: bench.directory.path + "/state.json", encoding: .utf8)
        #expect(state.contains("\"event_sequence\" : 3"))
        let restarted = try self.bench(state: state)
        defer { restarted.directory.remove() }
        restarted.network.set([Self.phone, Self.router])
        await restarted.app.presence.scan(excluding: [])
        #expect(try restarted.events().map(\.seq) == [4], "only the phone arrives: the router never left")
    }

    @Test("a failed scan and an outage change nothing and publish no event")
    func failures() async throws {
        let bench = try bench()
        defer { bench.directory.remove() }
        bench.network.set([Self.phone, Self.router])
        await bench.app.presence.scan(excluding: [])
        bench.network.fail("nmap exited with status 1")
        await bench.app.presence.scan(excluding: [])
        var info = try decode(BridgeInfoPayload.self, bench.payload("bridge/info"))
        #expect(info.last_scan_ok == false && info.last_scan_result == "failed" && info.consecutive_failures == 1)
        bench.network.set([])
        bench.clock.advance(1)
        await bench.app.presence.scan(excluding: [])
        info = try decode(BridgeInfoPayload.self, bench.payload("bridge/info"))
        #expect(info.last_scan_result == "outage" && info.consecutive_outages == 1 && info.devices_home == 2)
        #expect(try bench.events().count == 2)
    }
}

/// The bridge's clocks, moved by the test: monotonic seconds since the start, and the wall clock with them.
final class SteppedClock: Sendable {
    private let seconds = Mutex(0.0)
    static let start = Date(timeIntervalSince1970: 1_796_000_000)

    var uptime: TimeInterval { seconds.withLock { $0 } }
    var wall: Date { Self.start.addingTimeInterval(uptime) }

    func advance(_ by: TimeInterval) {
        seconds.withLock { $0 += by }
    }
}

struct BridgeInfoPayload: Decodable {
    var last_scan_ok: Bool?
    var last_scan_result: String?
    var consecutive_failures: Int
    var consecutive_outages: Int
    var devices_home: Int
}
