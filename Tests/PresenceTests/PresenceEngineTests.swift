import Foundation
import Testing

@testable import Presence

@Suite("Presence engine rules")
struct PresenceEngineTests {
    /// An engine that has seen `sightings` in one complete scan at the fake clock's start.
    static func engine(
        _ configuration: PresenceConfiguration = PresenceConfiguration(), seeing sightings: [Sighting]
    ) -> PresenceEngine {
        var engine = PresenceEngine(configuration: configuration)
        _ = engine.apply(.complete(sightings), at: FakeClock.start)
        return engine
    }

    @Test("A new MAC arrives home at once with the scan's time and nmap's reason")
    func arrival() throws {
        var engine = PresenceEngine(configuration: PresenceConfiguration())
        let changes = engine.apply(.complete([Fixtures.phone]), at: FakeClock.start)
        let device = try #require(changes.first?.device)
        #expect(changes == [.arrived(device)])
        #expect(device.id == Fixtures.phoneID && device.mac == "3c:22:fb:12:34:56")
        #expect(device.state == .home && device.reason == "arp-response")
        #expect(device.firstSeen == FakeClock.start && device.lastSeen == FakeClock.start)
        #expect(!device.keyedByIP && !device.deleted)
        #expect(engine.devices == [device])
    }

    struct UpdateCase: CustomTestStringConvertible, Sendable {
        var name: String
        var next: Sighting
        var expected: Set<DeviceField>?
        var testDescription: String { name }
    }

    @Test(
        "A home device seen again reports only real field changes",
        arguments: [
            UpdateCase(name: "nothing changed: no change", next: Fixtures.phone, expected: nil),
            UpdateCase(
                name: "a MAC on a new IP is an update",
                next: Sighting(mac: "3c:22:fb:12:34:56", ip: "192.0.2.99", hostName: "annas-phone.lan", vendor: "Apple"),
                expected: [.ip]),
            UpdateCase(
                name: "a missing host name does not erase the known one",
                next: Sighting(mac: "3c:22:fb:12:34:56", ip: "192.0.2.12", hostName: nil, vendor: nil), expected: nil),
            UpdateCase(
                name: "an empty host name does not erase the known one",
                next: Sighting(mac: "3c:22:fb:12:34:56", ip: "192.0.2.12", hostName: "", vendor: ""), expected: nil),
            UpdateCase(
                name: "new host name and vendor",
                next: Sighting(mac: "3C:22:FB:12:34:56", ip: "192.0.2.12", hostName: "anna.lan", vendor: "Apple, Inc."),
                expected: [.hostName, .vendor]),
        ])
    func updates(_ scenario: UpdateCase) throws {
        var engine = Self.engine(seeing: [Fixtures.phone])
        let later = FakeClock.at(12)
        let changes = engine.apply(.complete([scenario.next]), at: later)
        let device = try #require(engine.device(Fixtures.phoneID))
        if let expected = scenario.expected {
            #expect(changes == [.updated(device, changed: expected)])
        } else {
            #expect(changes.isEmpty)
        }
        #expect(device.lastSeen == later && device.state == .home && device.hostName != nil)
        if scenario.expected?.contains(.hostName) == true {
            #expect(device.name == "anna", "the derived name follows the host name")
        }
    }

    @Test("A not_home device seen again arrives, with its new fields folded in")
    func returnAfterDeparture() throws {
        var engine = Self.engine(seeing: [Fixtures.phone, Fixtures.printer])
        _ = engine.scan(every: 12, from: 12, to: 168, seeing: [Fixtures.printer])
        let request = try #require(engine.probesDue(at: FakeClock.at(180)).first)
        _ = engine.resolve(request, .noAnswer, at: FakeClock.at(180))
        var moved = Fixtures.phone
        moved.ip = "192.0.2.13"
        let changes = engine.apply(.complete([moved]), at: FakeClock.at(600))
        let device = try #require(engine.device(Fixtures.phoneID))
        #expect(changes == [.arrived(device)])
        #expect(device.ip == "192.0.2.13" && device.state == .home && device.firstSeen == FakeClock.start)
    }

    struct TrackingCase: CustomTestStringConvertible, Sendable {
        var name: String
        var configuration: PresenceConfiguration
        var tracked: [String]
        var testDescription: String { name }
    }

    @Test(
        "Which hosts are tracked",
        arguments: [
            TrackingCase(
                name: "defaults: every MAC, no MAC-less host", configuration: PresenceConfiguration(),
                tracked: [Fixtures.printerID, Fixtures.phoneID, Fixtures.laptopID]),
            TrackingCase(
                name: "exclude_macs in any spelling",
                configuration: PresenceConfiguration(excludeMACs: ["3C-22-FB-12-34-56", "f45c89abcdef"]),
                tracked: [Fixtures.printerID]),
            TrackingCase(
                name: "devices[mac].track false",
                configuration: PresenceConfiguration(devices: ["00:1b:a9:01:02:03": DeviceSettings(track: false)]),
                tracked: [Fixtures.phoneID, Fixtures.laptopID]),
            TrackingCase(
                name: "track_new_devices false: only listed MACs",
                configuration: PresenceConfiguration(
                    trackNewDevices: false, devices: ["3c:22:fb:12:34:56": DeviceSettings(name: "Anna")]),
                tracked: [Fixtures.phoneID]),
            TrackingCase(
                name: "track_without_mac: MAC-less hosts (and unparseable MACs) keyed by IP",
                configuration: PresenceConfiguration(trackWithoutMAC: true),
                tracked: [Fixtures.printerID, Fixtures.phoneID, Fixtures.laptopID, "ip_198_18_0_5", "ip_192_0_2_77"]),
        ])
    func tracking(_ scenario: TrackingCase) {
        var engine = PresenceEngine(configuration: scenario.configuration)
        let sightings = [
            Fixtures.phone, Fixtures.laptop, Fixtures.printer, Fixtures.vpnPeer,
            Sighting(mac: "not-a-mac", ip: "192.0.2.77"),
        ]
        let changes = engine.apply(.complete(sightings), at: FakeClock.start)
        #expect(Set(changes.map(\.device.id)) == Set(scenario.tracked))
        #expect(Set(engine.devices.map(\.id)) == Set(scenario.tracked), "untracked hosts are not even in the table")
        if let peer = engine.device("ip_198_18_0_5") {
            #expect(peer.keyedByIP && peer.mac == nil && peer.ip == "198.18.0.5" && peer.name == "Device 198.18.0.5")
        }
    }

    @Test(
        "Names follow Home Assistant's human_readable_name, a configured name first",
        arguments: [
            (Sighting(mac: "3c:22:fb:12:34:56", ip: "192.0.2.12", hostName: "annas-phone.lan", vendor: "Apple"), "Anna"),
            (Sighting(mac: "f4:5c:89:ab:cd:ef", ip: "192.0.2.20", hostName: "mac-mini.home.arpa", vendor: "Apple"), "mac-mini"),
            (Sighting(mac: "f4:5c:89:ab:cd:ef", ip: "192.0.2.20", hostName: nil, vendor: "Apple"), "Apple AB:CD:EF"),
            (Sighting(mac: "f4:5c:89:ab:cd:ef", ip: "192.0.2.20", hostName: nil, vendor: nil), "Device f4:5c:89:ab:cd:ef"),
        ])
    func names(sighting: Sighting, expected: String) throws {
        let engine = Self.engine(
            PresenceConfiguration(devices: ["3C:22:FB:12:34:56": DeviceSettings(name: "Anna")]), seeing: [sighting])
        #expect(engine.devices.first?.name == expected)
    }

    struct ProbeCase: CustomTestStringConvertible, Sendable {
        var name: String
        var result: ProbeResult
        var state: PresenceState
        var reason: String
        var stillDue: Bool
        var testDescription: String { name }
    }

    @Test("A re-probe's witnesses: the three hosts that answered the most scans in a row, ties by address, never its own")
    func witnessOrder() {
        func host(_ last: Int) -> Sighting {
            Sighting(mac: String(format: "02:00:00:00:00:%02x", last), ip: "192.0.2.\(last)", hostName: nil, vendor: nil, reason: "arp-response")
        }
        // First answered scan of each (all answer every scan after it, up to 168 s): the stranger on the
        // phone's address longest, then three hosts tied, then two later ones.
        let since: [(Sighting, TimeInterval)] = [
            (Fixtures.stranger, 12), (host(105), 60), (host(101), 60), (host(103), 60), (host(104), 96), (host(102), 132),
        ]
        var engine = Self.engine(seeing: [Fixtures.phone])
        for time in stride(from: 12.0, through: 168, by: 12) {
            _ = engine.apply(.complete(since.filter { $0.1 <= time }.map(\.0)), at: FakeClock.at(time))
        }
        let due = engine.probesDue(at: FakeClock.at(180))
        #expect(due.map(\.address) == ["192.0.2.12"])
        #expect(due.first?.witnesses == ["192.0.2.101", "192.0.2.103", "192.0.2.105"])
    }

    @Test(
        "Only a missed re-probe departs a device",
        arguments: [
            ProbeCase(
                name: "answered by its MAC", result: .answered(mac: "3C:22:FB:12:34:56"), state: .home,
                reason: "arp-response", stillDue: false),
            ProbeCase(
                name: "answered, MAC unknown", result: .answered(mac: nil), state: .home, reason: "arp-response",
                stillDue: false),
            ProbeCase(
                name: "answered by another MAC", result: .answered(mac: "da:a1:19:00:00:01"), state: .notHome,
                reason: "not seen since 2026-11-26T15:00:00Z; re-probe of 192.0.2.12 was answered by da:a1:19:00:00:01 instead",
                stillDue: false),
            ProbeCase(
                name: "no answer", result: .noAnswer, state: .notHome,
                reason: "not seen since 2026-11-26T15:00:00Z; re-probe of 192.0.2.12 got no answer", stillDue: false),
            ProbeCase(
                name: "probe failed: unknown, never left", result: .failed(reason: "nmap exited with status 1"),
                state: .home, reason: "arp-response", stillDue: true),
        ])
    func probeResults(_ scenario: ProbeCase) throws {
        var engine = Self.engine(seeing: [Fixtures.phone, Fixtures.printer])
        _ = engine.scan(every: 12, from: 12, to: 168, seeing: [Fixtures.printer])
        #expect(engine.probesDue(at: FakeClock.at(179.9)).isEmpty, "due at last_seen + consider_home exactly")
        let due = engine.probesDue(at: FakeClock.at(180))
        #expect(due == [ProbeRequest(deviceID: Fixtures.phoneID, address: "192.0.2.12", mac: "3c:22:fb:12:34:56", witnesses: ["192.0.2.30"])])
        let changes = engine.resolve(due[0], scenario.result, at: FakeClock.at(181))
        let device = try #require(engine.device(Fixtures.phoneID))
        #expect(device.state == scenario.state)
        #expect(device.reason == scenario.reason)
        #expect(changes == (scenario.state == .notHome ? [.departed(device)] : []))
        // Nothing is due right after any result: a failed probe waits for the next complete scan.
        #expect(engine.probesDue(at: FakeClock.at(181)).isEmpty)
        if case .answered = scenario.result, scenario.state == .home {
            #expect(device.lastSeen == FakeClock.at(181))
            #expect(engine.probesDue(at: FakeClock.at(183)).isEmpty, "it needs a complete scan after the answer before it can be due again")
            _ = engine.scan(every: 12, from: 184, to: 352, seeing: [Fixtures.printer])
            #expect(engine.probesDue(at: FakeClock.at(360.9)).isEmpty)
            #expect(!engine.probesDue(at: FakeClock.at(361)).isEmpty, "due 180 s after the answer")
        }
        if scenario.stillDue {
            #expect(engine.probesDue(at: FakeClock.at(183)).isEmpty, "a failed probe is retried after the next complete scan, not in a loop")
            _ = engine.apply(.complete([Fixtures.printer]), at: FakeClock.at(184))
            #expect(!engine.probesDue(at: FakeClock.at(184)).isEmpty, "due again after the next complete scan")
        }
    }

    @Test("A probe answer that arrives after the device was seen again, or moved, is ignored")
    func staleProbe() throws {
        var engine = Self.engine(seeing: [Fixtures.phone, Fixtures.printer])
        _ = engine.scan(every: 12, from: 12, to: 168, seeing: [Fixtures.printer])
        let request = try #require(engine.probesDue(at: FakeClock.at(180)).first)
        var moved = Fixtures.phone
        moved.ip = "192.0.2.13"
        _ = engine.apply(.complete([moved]), at: FakeClock.at(182))
        #expect(engine.resolve(request, .noAnswer, at: FakeClock.at(183)).isEmpty)
        #expect(engine.device(Fixtures.phoneID)?.state == .home)
        #expect(engine.resolve(ProbeRequest(deviceID: "000000000000", address: "192.0.2.1", mac: nil), .noAnswer, at: FakeClock.at(183)).isEmpty)
    }

    @Test("Nothing departs before consider_home of watched time: an hour of failed scans counts against nobody")
    func evidenceNeeded() {
        var engine = Self.engine(seeing: [Fixtures.phone, Fixtures.printer])
        for minute in 1...60 {
            _ = engine.apply(.failed(reason: "timeout"), at: FakeClock.at(Double(minute) * 60))
        }
        var copy = engine
        #expect(copy.next(at: FakeClock.moment(3600)) == PresencePlan(), "nothing to do and no wake-up: wait for a scan")
        #expect(engine.consecutiveFailures == 60 && engine.lastFailure == "timeout" && engine.lastRound == .failed)
        _ = engine.apply(.complete([Fixtures.printer]), at: FakeClock.at(3601))
        #expect(engine.consecutiveFailures == 0 && engine.lastFailure == "timeout" && engine.lastRound == .ok)
        #expect(engine.probesDue(at: FakeClock.at(3601)).isEmpty, "one complete scan after an hour of failures is not 180 s of watching")
        _ = engine.scan(every: 12, from: 3613, to: 3601 + 168, seeing: [Fixtures.printer])
        #expect(engine.probesDue(at: FakeClock.at(3601 + 179)).isEmpty)
        #expect(engine.probesDue(at: FakeClock.at(3601 + 180)).map(\.deviceID) == [Fixtures.phoneID])
    }

    @Test("excludedAddresses lists home devices seen within home_interval, and nothing when it is off")
    func excludedAddresses() throws {
        let off = Self.engine(seeing: [Fixtures.phone, Fixtures.laptop])
        #expect(off.excludedAddresses(at: FakeClock.at(1)).isEmpty)

        var engine = Self.engine(
            PresenceConfiguration(homeInterval: .seconds(300)), seeing: [Fixtures.phone, Fixtures.laptop])
        _ = engine.apply(.complete([Fixtures.printer]), at: FakeClock.at(200))
        #expect(engine.excludedAddresses(at: FakeClock.at(299)) == ["192.0.2.12", "192.0.2.20", "192.0.2.30"])
        #expect(engine.excludedAddresses(at: FakeClock.at(300)) == ["192.0.2.30"])
        _ = engine.scan(every: 12, from: 212, to: 476, seeing: [Fixtures.printer])
        #expect(engine.probesDue(at: FakeClock.at(479)).isEmpty)
        #expect(!engine.probesDue(at: FakeClock.at(480)).isEmpty, "due at last_seen + home_interval + consider_home")
        let request = try #require(engine.probesDue(at: FakeClock.at(480)).first { $0.deviceID == Fixtures.phoneID })
        _ = engine.resolve(request, .noAnswer, at: FakeClock.at(480))
        #expect(engine.excludedAddresses(at: FakeClock.at(480)) == ["192.0.2.30"], "only the printer, seen at 476")
    }

    @Test("A device deleted by the user is tracked but reports no changes; forgetting it makes it new again")
    func deletedAndForgotten() throws {
        var engine = Self.engine(seeing: [Fixtures.phone, Fixtures.printer])
        #expect(engine.markDeleted("nope") == nil)
        let marked = engine.markDeleted(Fixtures.phoneID)
        let deleted = try #require(marked)
        #expect(deleted.deleted)
        var moved = Fixtures.phone
        moved.ip = "192.0.2.50"
        #expect(engine.apply(.complete([moved, Fixtures.printer]), at: FakeClock.at(12)).isEmpty)
        #expect(engine.device(Fixtures.phoneID)?.ip == "192.0.2.50")
        _ = engine.scan(every: 12, from: 24, to: 180, seeing: [Fixtures.printer])
        let request = try #require(engine.probesDue(at: FakeClock.at(192)).first)
        #expect(engine.resolve(request, .noAnswer, at: FakeClock.at(192)).isEmpty)
        #expect(engine.device(Fixtures.phoneID)?.state == .notHome)

        let removed = engine.forget(Fixtures.phoneID)
        let forgotten = try #require(removed)
        #expect(forgotten.deleted && engine.device(Fixtures.phoneID) == nil && engine.forget(Fixtures.phoneID) == nil)
        let changes = engine.apply(.complete([Fixtures.phone]), at: FakeClock.at(300))
        #expect(changes.map(\.kind) == ["arrived"])
        #expect(changes.first?.device.deleted == false && changes.first?.device.firstSeen == FakeClock.at(300))
    }

    @Test("A host answering on two addresses in one scan does not flap between them")
    func twoAddressesOneMAC() throws {
        var engine = Self.engine(seeing: [Fixtures.phone])
        var second = Fixtures.phone
        second.ip = "192.0.2.200"
        for step in 1...5 {
            let sightings = step.isMultiple(of: 2) ? [second, Fixtures.phone] : [Fixtures.phone, second]
            #expect(engine.apply(.complete(sightings), at: FakeClock.at(Double(step) * 12)).isEmpty)
        }
        #expect(engine.device(Fixtures.phoneID)?.ip == "192.0.2.12")
    }

    @Test("Restored devices: states kept, untracked ones dropped, names derived again")
    func restoredDevices() throws {
        let stored = [
            Fixtures.stored(Fixtures.phone, state: .home, lastSeen: FakeClock.at(-60)),
            Fixtures.stored(Fixtures.laptop, state: .notHome, lastSeen: FakeClock.at(-600)),
            Fixtures.stored(Fixtures.printer, state: .home, lastSeen: FakeClock.at(-60)),
        ]
        let engine = PresenceEngine(
            configuration: PresenceConfiguration(excludeMACs: ["00:1b:a9:01:02:03"]), devices: stored)
        #expect(engine.devices.map(\.id) == [Fixtures.phoneID, Fixtures.laptopID])
        #expect(engine.devices.map(\.state) == [.home, .notHome])
        #expect(engine.devices.map(\.name) == ["annas-phone", "Apple AB:CD:EF"])
        var copy = engine
        #expect(copy.next(at: FakeClock.moment(0)) == PresencePlan() && engine.lastCompleteScan == nil)
        #expect(engine.untracked.map(\.id) == [Fixtures.printerID], "the excluded printer is listed so its topics can be cleared")
    }

    @Test("10,000 devices through one scan step: the 100 missing ones depart")
    func tenThousandDevices() {
        let sightings = (0..<10_000).map { index in
            Sighting(
                mac: String(format: "02:00:00:%02X:%02X:%02X", (index >> 16) & 0xff, (index >> 8) & 0xff, index & 0xff),
                ip: "198.18.\(index / 256).\(index % 256)", hostName: nil, vendor: "Acme")
        }
        var engine = PresenceEngine(configuration: PresenceConfiguration())
        #expect(engine.apply(.complete(sightings), at: FakeClock.start).count == 10_000)
        // Speed is measured by the benchmark in bench/, not here: this checks the large step is right.
        var changes = engine.scan(every: 12, from: 12, to: 192, seeing: Array(sightings.dropLast(100)))
        changes += engine.probesDue(at: FakeClock.at(200)).flatMap { engine.resolve($0, .noAnswer, at: FakeClock.at(200)) }
        #expect(changes.count == 100)
        #expect(changes.allSatisfy { if case .departed = $0 { true } else { false } })
    }
}
