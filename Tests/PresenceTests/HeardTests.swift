import Foundation
import Testing

@testable import Presence

/// Frames a passive source heard between scans (`PresenceEngine.heard`): sightings, never departures.
@Suite("Presence engine: devices heard between scans")
struct HeardTests {
    static func frame(_ mac: String, ip: String = "", hostName: String? = nil, kind: String = "dhcp-request") -> Sighting {
        Sighting(mac: mac, ip: ip, hostName: hostName, vendor: nil, reason: kind)
    }

    @Test("a not_home device heard again arrives at once, with the frame as its reason and its address")
    func returns() throws {
        var engine = PresenceEngineTests.engine(seeing: [Fixtures.phone, Fixtures.printer])
        _ = engine.scan(every: 12, from: 12, to: 168, seeing: [Fixtures.printer])
        let due = engine.probesDue(at: FakeClock.at(180))
        _ = engine.resolve(due[0], .noAnswer, at: FakeClock.at(181))
        #expect(engine.device(Fixtures.phoneID)?.state == .notHome)

        let changes = engine.heard(
            Self.frame("3c:22:fb:12:34:56", ip: "192.0.2.44", hostName: "annas-iphone"), newAllowed: true,
            at: FakeClock.moment(200))
        let phone = try #require(engine.device(Fixtures.phoneID))
        #expect(changes == [.arrived(phone)])
        #expect(phone.state == .home && phone.reason == "dhcp-request" && phone.ip == "192.0.2.44")
        #expect(phone.lastSeen == FakeClock.at(200) && phone.hostName == "annas-iphone" && phone.name == "annas-iphone")
    }

    @Test("a home device heard cancels its pending departure; a frame without an address keeps its IP")
    func cancelsDeparture() throws {
        var engine = PresenceEngineTests.engine(seeing: [Fixtures.phone, Fixtures.printer])
        _ = engine.scan(every: 12, from: 12, to: 168, seeing: [Fixtures.printer])
        #expect(!engine.probesDue(at: FakeClock.at(180)).isEmpty)
        #expect(
            engine.heard(Self.frame("3C-22-FB-12-34-56", kind: "arp-probe"), newAllowed: true, at: FakeClock.moment(170)).isEmpty,
            "seen, nothing a user notices changed")
        #expect(engine.probesDue(at: FakeClock.at(180)).isEmpty, "its grace started again")
        let phone = try #require(engine.device(Fixtures.phoneID))
        #expect(phone.ip == "192.0.2.12" && phone.lastSeen == FakeClock.at(170) && phone.reason == "arp-response")
        // Frames alone never depart anyone, however long.
        for second in stride(from: 171.0, through: 3600, by: 60) {
            _ = engine.heard(Self.frame("00:1b:a9:01:02:03"), newAllowed: true, at: FakeClock.moment(second))
        }
        #expect(engine.next(at: FakeClock.moment(3600)).changes.isEmpty)
        #expect(engine.device(Fixtures.phoneID)?.state == .home)
    }

    @Test("a new MAC arrives only with an address the caller allowed, and never when untracked")
    func newDevices() {
        let configuration = PresenceConfiguration(excludeMACs: ["f4:5c:89:ab:cd:ef"])
        var engine = PresenceEngine(configuration: configuration)
        #expect(engine.heard(Self.frame("02:00:00:00:00:01"), newAllowed: true, at: FakeClock.moment(1)).isEmpty, "no address yet")
        #expect(
            engine.heard(Self.frame("02:00:00:00:00:01", ip: "192.0.2.9"), newAllowed: false, at: FakeClock.moment(2)).isEmpty,
            "outside scan.hosts")
        #expect(
            engine.heard(Self.frame("f4:5c:89:ab:cd:ef", ip: "192.0.2.20"), newAllowed: true, at: FakeClock.moment(3)).isEmpty,
            "exclude_macs")
        let changes = engine.heard(
            Self.frame("02:00:00:00:00:01", ip: "192.0.2.9", hostName: "pixel"), newAllowed: true,
            at: FakeClock.moment(4))
        #expect(changes.count == 1 && changes.first?.device.state == .home)
        #expect(engine.heard(Self.frame("not a mac", ip: "192.0.2.10"), newAllowed: true, at: FakeClock.moment(5)).isEmpty)
    }
}
