import Foundation
import Testing

@testable import Presence

/// Several targets on one node: the phones' segment scanned every 10 s with a short grace, an IoT
/// segment every 60 s with a long one. Each device is judged only by its own target's scans.
@Suite("Presence engine: several targets on one node")
struct PresenceTargetTests {
    static let router = Sighting(mac: "00:11:22:33:44:55", ip: "192.0.2.1", hostName: nil, vendor: "Router Co", reason: "arp-response")
    static let hub = Sighting(mac: "50:02:91:00:00:01", ip: "198.18.0.1", hostName: nil, vendor: "Espressif", reason: "arp-response")
    static let plug = Sighting(mac: "50:02:91:00:00:07", ip: "198.18.0.7", hostName: nil, vendor: "Espressif", reason: "arp-response")
    static let plugID = "500291000007"
    static let phones = 0
    static let iot = 1

    /// Phones every 10 s with 30 s of grace; IoT every 60 s with 180 s. Addresses in 198.18/15 are IoT.
    static func configuration(homeInterval: Duration = .zero, devices: [String: DeviceSettings] = [:]) -> PresenceConfiguration {
        PresenceConfiguration(
            devices: devices,
            targets: [
                PresenceTarget(considerHome: .seconds(30), homeInterval: homeInterval, scanInterval: .seconds(10)),
                PresenceTarget(considerHome: .seconds(180), scanInterval: .seconds(60)),
            ],
            targetOfAddress: { $0.hasPrefix("198.18.") ? 1 : 0 })
    }

    /// Both targets scanned once at the start: the phone and the router by the phones' target, the hub
    /// and the plug by the IoT target.
    static func engine(_ configuration: PresenceConfiguration = configuration()) -> PresenceEngine {
        var engine = PresenceEngine(configuration: configuration)
        _ = engine.apply(.complete([Fixtures.phone, router]), at: FakeClock.start, target: phones)
        _ = engine.apply(.complete([hub, plug]), at: FakeClock.start, target: iot)
        return engine
    }

    @Test("a device of one target is never missed by another target's scans")
    func otherTargetsScansMissNobody() {
        var engine = Self.engine()
        #expect(engine.target(ofDevice: Self.plugID) == Self.iot && engine.target(ofDevice: Fixtures.phoneID) == Self.phones)
        // Ten minutes of phone scans that do not see the plug (they do not look for it); the IoT scans stop.
        for second in stride(from: 10.0, through: 600, by: 10) {
            _ = engine.apply(.complete([Fixtures.phone, Self.router]), at: FakeClock.at(second), target: Self.phones)
        }
        #expect(engine.probesDue(at: FakeClock.at(600)).isEmpty)
        #expect(engine.records[Self.plugID]?.missed == 0 && engine.records[Self.plugID]?.missedRounds == 0)
        #expect(engine.device(Self.plugID)?.state == .home)
    }

    @Test("each target's consider_home, unless the device has its own; witnesses come from the device's target")
    func perTargetGraceAndWitnesses() throws {
        var engine = Self.engine()
        for second in stride(from: 10.0, through: 180, by: 10) {
            _ = engine.apply(.complete([Self.router]), at: FakeClock.at(second), target: Self.phones)
            if second.truncatingRemainder(dividingBy: 60) == 0 {
                _ = engine.apply(.complete([Self.hub]), at: FakeClock.at(second), target: Self.iot)
            }
            if second == 20 {
                #expect(engine.probesDue(at: FakeClock.at(second)).isEmpty, "20 s missed is not 30")
            }
            if second == 30 {
                #expect(engine.probesDue(at: FakeClock.at(second)).map(\.deviceID) == [Fixtures.phoneID], "the phone's grace is its target's 30 s")
            }
        }
        let due = engine.probesDue(at: FakeClock.at(180))
        #expect(due.map(\.deviceID) == [Fixtures.phoneID, Self.plugID])
        #expect(due.map(\.witnesses) == [["192.0.2.1"], ["198.18.0.1"]], "each probe's witnesses answered its own target")

        // A device's own consider_home wins over its target's.
        var own = Self.engine(Self.configuration(devices: ["50:02:91:00:00:07": DeviceSettings(considerHome: .seconds(60))]))
        _ = own.apply(.complete([Self.hub]), at: FakeClock.at(60), target: Self.iot)
        #expect(own.probesDue(at: FakeClock.at(60)).map(\.deviceID) == [Self.plugID])
    }

    @Test("a failing or silent target changes nobody of its own and leaves the other's devices deciding")
    func brokenTargetIsolated() throws {
        var engine = Self.engine()
        for second in stride(from: 60.0, through: 180, by: 60) {
            for tenth in stride(from: second - 50, through: second, by: 10) {
                _ = engine.apply(.failed(reason: "nmap exited with status 1"), at: FakeClock.at(tenth), target: Self.phones)
            }
            _ = engine.apply(.complete([Self.hub]), at: FakeClock.at(second), target: Self.iot)
        }
        #expect(engine.targets[Self.phones].consecutiveFailures == 18 && engine.targets[Self.iot].consecutiveFailures == 0)
        #expect(engine.consecutiveFailures == 18, "the aggregate is the target failing longest")
        #expect(engine.targets[Self.iot].lastRound == .ok && engine.targets[Self.phones].lastRound == .failed)
        let due = engine.probesDue(at: FakeClock.at(180))
        #expect(due.map(\.deviceID) == [Self.plugID], "the phone was never watched missing; the plug was, for 180 s")
        let changes = engine.resolve(try #require(due.first), .noAnswer, at: FakeClock.at(181))
        #expect(changes.map(\.kind) == ["departed"] && engine.device(Fixtures.phoneID)?.state == .home)

        // The phones' segment goes silent (an access point restarting): an outage of that target only.
        _ = engine.apply(.complete([]), at: FakeClock.at(190), target: Self.phones)
        #expect(engine.targets[Self.phones].lastRound == .outage && engine.lastRound == .outage && engine.consecutiveOutages == 1)
        _ = engine.apply(.complete([Self.hub]), at: FakeClock.at(240), target: Self.iot)
        #expect(engine.lastRound == .ok, "the aggregate round is the most recent scan's")
        #expect(engine.targets[Self.phones].consecutiveOutages == 1 && engine.device(Fixtures.phoneID)?.state == .home)
    }

    @Test("restored and newly heard devices get their target by address; a scan of another target takes a device over")
    func targetByAddress() throws {
        let stored = [
            Fixtures.stored(Self.plug, state: .home, lastSeen: FakeClock.at(-60)),
            Fixtures.stored(Fixtures.phone, state: .home, lastSeen: FakeClock.at(-60)),
        ]
        var engine = PresenceEngine(configuration: Self.configuration(), devices: stored)
        #expect(engine.target(ofDevice: Self.plugID) == Self.iot && engine.target(ofDevice: Fixtures.phoneID) == Self.phones)
        _ = engine.heard(Self.hub, newAllowed: true, at: FakeClock.moment(1))
        #expect(engine.target(ofDevice: "500291000001") == Self.iot)

        // The phones' scans never count against the restored plug; the IoT scans do.
        for second in stride(from: 0.0, through: 170, by: 10) {
            _ = engine.apply(.complete([Fixtures.phone, Self.router]), at: FakeClock.at(second), target: Self.phones)
        }
        #expect(engine.records[Self.plugID]?.missedRounds == 0)
        _ = engine.apply(.complete([Self.hub]), at: FakeClock.at(60), target: Self.iot)
        #expect(engine.records[Self.plugID]?.missedRounds == 1)

        // The plug shows up in a phones scan (overlapping targets): it is that target's device now.
        var moved = Self.plug
        moved.ip = "192.0.2.77"
        _ = engine.apply(.complete([Fixtures.phone, Self.router, moved]), at: FakeClock.at(180), target: Self.phones)
        #expect(engine.target(ofDevice: Self.plugID) == Self.phones && engine.records[Self.plugID]?.considerHome == 30)
    }

    @Test("home_interval and the plan's exclusions are per target")
    func exclusionsPerTarget() {
        var engine = Self.engine(Self.configuration(homeInterval: .seconds(120)))
        let plan = engine.next(at: FakeClock.moment(10))
        #expect(plan.targetExclusions == [["192.0.2.1", "192.0.2.12"], []])
        #expect(plan.scanExclusions == ["192.0.2.1", "192.0.2.12"] && plan.scanExclusions(target: Self.iot).isEmpty)
        #expect(engine.excludedAddresses(at: FakeClock.moment(10), target: Self.iot).isEmpty)
        #expect(engine.excludedAddresses(at: FakeClock.moment(130), target: Self.phones).isEmpty)
    }

    @Test("one target by default: the top-level values, followed while targets is not set")
    func defaultTarget() {
        var configuration = PresenceConfiguration(considerHome: .seconds(60))
        configuration.homeInterval = .seconds(5)
        #expect(configuration.targets == [PresenceTarget(considerHome: .seconds(60), homeInterval: .seconds(5), scanInterval: .seconds(12))])
        configuration.targets = []
        #expect(configuration.targets.count == 1, "an empty list is the one default target")
        #expect(configuration.targetOfAddress("198.18.0.1") == 0)
    }
}

extension PresenceEngine {
    /// `apply` of a scan of `target` that took no time, at `date` of a run without wall-clock steps.
    mutating func apply(_ outcome: ScanOutcome, at date: Date, target: Int) -> [PresenceChange] {
        apply(outcome, startedAt: FakeClock.moment(date), at: FakeClock.moment(date), target: target)
    }
}
