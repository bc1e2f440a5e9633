import Foundation
import NetworkAddresses
import NmapScanner
import PassiveListener
import Presence
import Testing

@testable import Bridge

/// The presence service with two targets against a scripted network: the phones' /24, and a lab /23
/// swept in two /24 chunks (`chunk_prefix: 24`).
@Suite("Presence service: several targets, chunked rounds")
struct PresenceServiceTargetsTests {
    static let phone = PresenceServiceTests.phone
    static let router = PresenceServiceTests.router
    static let hub = ScanHost(ipv4: "198.18.0.1", mac: "50:02:91:00:00:01", vendor: "Espressif", reason: "arp-response")
    static let plug = ScanHost(ipv4: "198.18.1.7", mac: "50:02:91:00:00:07", vendor: "Espressif", reason: "arp-response")
    static let plugID = "500291000007"
    static let phones = 0
    static let lab = 1

    struct Bench {
        let app: BridgeApplication
        let clock: SteppedClock
        let network: ScriptedNetwork
        let directory: ConfigTestDirectory
        var presence: PresenceService { app.presence }

        func info() throws -> TargetsInfoPayload {
            try decode(TargetsInfoPayload.self, app.state.publisher.desiredPayload("nmap2mqtt/bridge/info"))
        }
        func events() throws -> [EventPayload] {
            try app.state.publisher.pendingEvents().map { try decode(EventPayload.self, $0.payload) }
        }
        func engine() -> PresenceEngine {
            app.state.withStatus { $0.engine }
        }
    }

    static func bench(uptime: Bool = true) throws -> Bench {
        let directory = try ConfigTestDirectory()
        let yaml = """
            scan:
              consider_home: 1
              interval_seconds: 1
              targets:
                - {name: phones, hosts: 192.0.2.0/24}
                - {name: lab, hosts: 198.18.0.0/23, interval_seconds: 5, consider_home: 3}
            state_file: state.json
            web: {enabled: false}
            """
        let configuration = try BridgeConfiguration.parse(yaml: yaml, configDirectory: directory.path, environment: [:])
        let network = ScriptedNetwork()
        let clock = SteppedClock()
        // The running service needs the real monotonic clock: its schedule sleeps on it.
        var stepped: (@Sendable () -> TimeInterval)?
        if uptime { stepped = { @Sendable in clock.uptime } }
        let app = try BridgeApplication.build(
            configuration: configuration, logger: quietLogger, scanner: network, now: { clock.wall }, uptime: stepped)
        // No broker: the node joins a household of one, as it would after reading an empty broker.
        app.state.joined()
        network.set([phone, router, hub, plug])
        return Bench(app: app, clock: clock, network: network, directory: directory)
    }

    @Test("a chunked round is one scan per chunk, applied once: the union of the chunks' hosts")
    func chunkedRound() async throws {
        let bench = try Self.bench()
        defer { bench.directory.remove() }
        await bench.presence.round(target: Self.lab, excluding: [])
        #expect(
            bench.network.calls == [
                ScriptedNetwork.Call(target: Self.lab, hosts: ["198.18.0.0/24"]), ScriptedNetwork.Call(target: Self.lab, hosts: ["198.18.1.0/24"]),
            ])
        #expect(try bench.events().map(\.event) == ["arrived", "arrived"])
        #expect(bench.engine().target(ofDevice: Self.plugID) == Self.lab)
        let info = try bench.info()
        #expect(info.targets.map(\.name) == ["phones", "lab"])
        #expect(info.targets.map(\.hosts) == [["192.0.2.0/24"], ["198.18.0.0/23"]])
        #expect(info.targets.map(\.interval_seconds) == [1, 5])
        #expect(info.targets.map(\.last_scan_result) == [nil, "ok"] && info.last_scan_result == "ok")
        #expect(info.targets[Self.lab].last_scan_start != nil && info.targets[Self.phones].last_scan_start == nil)
        #expect(info.scan_targets == ["192.0.2.0/24", "198.18.0.0/23"] && info.hosts_up == 2)
    }

    @Test("one failed chunk fails the whole round: nobody arrives, nobody is missed")
    func failedChunk() async throws {
        let bench = try Self.bench()
        defer { bench.directory.remove() }
        bench.network.failChunk(["198.18.1.0/24"])
        await bench.presence.round(target: Self.lab, excluding: [])
        #expect(try bench.events().isEmpty, "the hub answered its chunk, but the round failed")
        #expect(bench.engine().devices.isEmpty)
        var info = try bench.info()
        #expect(info.targets[Self.lab].last_scan_result == "failed" && info.targets[Self.lab].consecutive_failures == 1)
        #expect(info.last_scan_result == "failed" && info.consecutive_failures == 1)

        // The phones' target works meanwhile: its own round is ok, the lab's stays failed.
        await bench.presence.round(target: Self.phones, excluding: [])
        info = try bench.info()
        #expect(info.targets[Self.phones].last_scan_result == "ok" && info.targets[Self.lab].last_scan_result == "failed")
        #expect(info.consecutive_failures == 1, "the lab target still fails; the aggregate is the longest run")
    }

    @Test("the phones' scans never count against a lab device; the lab's own scans do")
    func ownTargetOnly() async throws {
        let bench = try Self.bench()
        defer { bench.directory.remove() }
        await bench.presence.round(target: Self.lab, excluding: [])
        await bench.presence.round(target: Self.phones, excluding: [])
        bench.network.set([Self.phone, Self.router, Self.hub])
        for _ in 0..<10 {
            bench.clock.advance(1)
            await bench.presence.round(target: Self.phones, excluding: [])
        }
        var plan = PresencePlan()
        bench.app.state.withStatus { plan = $0.engine.next(at: bench.app.state.moment()) }
        #expect(plan.probes.isEmpty, "ten seconds of phone scans are not the lab's business")
        bench.clock.advance(1)
        await bench.presence.round(target: Self.lab, excluding: [])
        bench.clock.advance(3)
        bench.app.state.withStatus { plan = $0.engine.next(at: bench.app.state.moment()) }
        #expect(plan.probes.map(\.deviceID) == [Self.plugID] && plan.probes.first?.witnesses == ["198.18.0.1"])
        #expect(plan.probes.first?.target == Self.lab)
    }

    @Test("a device heard between scans may arrive when any target covers its address, and joins that target")
    func passiveAcrossTargets() throws {
        let bench = try Self.bench()
        defer { bench.directory.remove() }
        let passive = PassiveService(
            state: bench.app.state, logger: quietLogger, vendor: { _ in nil }, open: { throw BridgeError("no listener in unit tests") })
        let inLab = try #require(MACAddress("50:02:91:00:00:42"))
        let outside = try #require(MACAddress("50:02:91:00:00:43"))
        passive.hear(PassiveSighting(mac: inLab, ip: IPv4Address("198.18.1.42"), kind: .dhcpRequest))
        passive.hear(PassiveSighting(mac: outside, ip: IPv4Address("203.0.113.5"), kind: .dhcpRequest))
        #expect(bench.engine().devices.map(\.ip) == ["198.18.1.42"])
        #expect(bench.engine().target(ofDevice: "500291000042") == Self.lab)
    }

    @Test("the running service scans both targets and every chunk, each on its schedule")
    func runningService() async throws {
        let bench = try Self.bench(uptime: false)
        defer { bench.directory.remove() }
        let service = Task { await bench.presence.run() }
        // Done when both targets' rounds reached the engine (the lab's after both chunks) and the phones
        // were scanned again on their own schedule.
        let scanned = await eventually {
            bench.engine().devices.count == 4 && bench.network.calls.filter { $0.target == Self.phones }.count >= 2
        }
        service.cancel()
        await service.value
        #expect(scanned, "\(bench.network.calls)")
        let labCalls = bench.network.calls.filter { $0.target == Self.lab }.map(\.hosts)
        #expect(Array(labCalls.prefix(2)) == [["198.18.0.0/24"], ["198.18.1.0/24"]])
    }
}

/// `bridge/info` with its per-target entries, as a subscriber reads it.
struct TargetsInfoPayload: Decodable {
    struct Target: Decodable {
        var name: String
        var hosts: [String]
        var interval_seconds: Double
        var last_scan_start: String?
        var last_scan_duration_seconds: Double?
        var last_scan_result: String?
        var consecutive_failures: Int
        var consecutive_outages: Int
    }

    var scan_targets: [String]
    var last_scan_result: String?
    var consecutive_failures: Int
    var hosts_up: Int?
    var targets: [Target]
}
