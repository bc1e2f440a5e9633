import Foundation
import Testing

@testable import Presence

/// Issue 11's real-home conditions, each named after what happened: gaps in watching, outages, clock steps.
/// The promise in each: no false `not_home`, and honest departures no slower than on a clean LAN.
@Suite("Real home: gaps, outages, clock steps")
struct RealHomeScenarioTests {
    /// A household with a phone and an always-on printer (the router of a real home), both seen for a minute.
    static func household(_ configuration: PresenceConfiguration = PresenceConfiguration()) -> Household {
        var home = Household(configuration: configuration)
        home.join(Fixtures.phone)
        home.join(Fixtures.printer)
        home.run(until: FakeClock.at(60))
        return home
    }

    /// The phone misses scans and re-probes for `seconds`, then answers again.
    static func doze(_ home: inout Household, for seconds: TimeInterval) {
        home.lan[Fixtures.phone.ip]?.answersScans = false
        home.lan[Fixtures.phone.ip]?.answersProbes = false
        home.run(until: home.clock.now.addingTimeInterval(seconds))
        home.lan[Fixtures.phone.ip]?.answersScans = true
        home.lan[Fixtures.phone.ip]?.answersProbes = true
    }

    @Test("The bridge was stopped longer than consider_home: a phone dozing through the first scan and its re-probe stays home")
    func restartAfterLongStopWithDozingPhone() {
        var home = Self.household()
        home.restart(after: 3600)
        Self.doze(&home, for: 40) // the first three scans of the new run, and a re-probe if one came
        home.run(until: home.clock.now.addingTimeInterval(600))
        #expect(home.departures(of: Fixtures.phoneID).isEmpty, "events: \(home.events.map { ($0.at, $0.change.kind) })")
        #expect(home.engine.device(Fixtures.phoneID)?.state == .home)
    }

    @Test("nmap hung until its timeout: a phone dozing through the next scan and its re-probe stays home")
    func hungScanThenDozingPhone() {
        var home = Self.household()
        home.nmap = .hanging(timeout: 300)
        home.run(until: home.clock.now.addingTimeInterval(301))
        home.nmap = .working
        Self.doze(&home, for: 40)
        home.run(until: home.clock.now.addingTimeInterval(600))
        #expect(home.departures(of: Fixtures.phoneID).isEmpty)
        #expect(home.probes.isEmpty, "40 s of dozing is far from 180 s of watching: \(home.probes.map(\.at))")
    }

    @Test(
        "A step of the wall clock changes no decision: no early departure, none delayed",
        arguments: [3600.0, -3600.0])
    func wallClockStep(seconds: TimeInterval) throws {
        var home = Self.household(PresenceConfiguration(considerHome: .seconds(180), homeInterval: .seconds(60)))
        home.stepWallClock(by: seconds)
        // Present through the step: nothing happens, and home_interval still scans it once a minute.
        home.run(until: home.clock.now.addingTimeInterval(300))
        #expect(home.departures(of: Fixtures.phoneID).isEmpty)
        let recent = home.exclusions.suffix(25).filter { !$0.addresses.contains(Fixtures.phone.ip) }
        #expect(!recent.isEmpty, "the phone is scanned again after home_interval, whatever the wall clock did")

        // It leaves: departure after home_interval + consider_home of monotonic time, as without a step.
        let lastSeen = try #require(home.engine.device(Fixtures.phoneID)?.lastSeen)
        home.leave(Fixtures.phone)
        home.run(until: home.clock.now.addingTimeInterval(600))
        let departed = try #require(home.departures(of: Fixtures.phoneID).first)
        let after = departed.timeIntervalSince(lastSeen)
        #expect(after >= 60 + 180 && after <= 60 + 180 + home.interval + home.scanDuration, "departed \(after) s after last seen")
    }

    @Test("A switch outage longer than consider_home: nobody departs, every silent scan is counted as an outage")
    func switchOutage() {
        var home = Self.household()
        home.join(Fixtures.laptop)
        home.run(until: home.clock.now.addingTimeInterval(24))
        home.networkDown = true
        home.run(until: home.clock.now.addingTimeInterval(600))
        #expect(home.engine.lastRound == .outage && home.engine.consecutiveOutages >= 45)
        #expect(home.engine.consecutiveFailures == 0, "nmap worked; the network did not")
        home.networkDown = false
        // Back: the phone takes a while to rejoin the Wi-Fi, within consider_home.
        Self.doze(&home, for: 60)
        home.run(until: home.clock.now.addingTimeInterval(600))
        #expect(home.events.filter { $0.change.kind == "departed" }.isEmpty, "departures: \(home.events.map { ($0.at, $0.change.kind) })")
        #expect(home.engine.lastRound == .ok && home.engine.consecutiveOutages == 0)
    }

    @Test("The network goes down while a departure is being decided: the unwitnessed re-probe departs nobody")
    func outageDuringReprobe() throws {
        var home = Self.household()
        home.leave(Fixtures.phone)
        home.run(until: home.clock.now.addingTimeInterval(160))
        var engine = home.engine
        var now = home.clock.moment
        var plan = PresencePlan()
        while plan.probes.isEmpty { // scans every 12 s that see only the printer, until the phone is due
            now = now.advanced(by: 12)
            _ = engine.apply(.complete([Fixtures.printer]), startedAt: now.advanced(by: -2), at: now)
            plan = engine.next(at: now)
        }
        let request = try #require(plan.probes.first)
        #expect(request.witnesses == [Fixtures.printer.ip])
        // The switch goes down during the re-probe: neither the phone nor the printer answers.
        #expect(engine.resolve(request, .failed(reason: "no answer from 192.0.2.12 nor any witness"), at: now.advanced(by: 3)).isEmpty)
        for _ in 1...50 {
            now = now.advanced(by: 12)
            #expect(engine.apply(.complete([]), startedAt: now.advanced(by: -2), at: now).isEmpty)
            #expect(engine.next(at: now) == PresencePlan(), "nothing is probed or decided during the outage")
        }
        #expect(engine.device(Fixtures.phoneID)?.state == .home && engine.lastRound == .outage)
        // Back: the next scan that counts brings the re-probe, and with a witness its silence departs the phone.
        now = now.advanced(by: 12)
        _ = engine.apply(.complete([Fixtures.printer]), startedAt: now.advanced(by: -2), at: now)
        let again = try #require(engine.next(at: now).probes.first)
        #expect(engine.resolve(again, .noAnswer, at: now.advanced(by: 3)).map(\.kind) == ["departed"])
    }

    @Test("Everyone leaves at once while the router answers: the household empties out on time")
    func householdEmptiesOut() throws {
        var home = Self.household()
        home.join(Fixtures.laptop)
        home.run(until: home.clock.now.addingTimeInterval(24))
        let leftAt = home.clock.now
        home.leave(Fixtures.phone)
        home.leave(Fixtures.laptop)
        home.run(until: leftAt.addingTimeInterval(600))
        for id in [Fixtures.phoneID, Fixtures.laptopID] {
            let departed = try #require(home.departures(of: id).first)
            #expect(departed.timeIntervalSince(leftAt) <= 180 + home.interval + home.scanDuration)
        }
        #expect(home.departures(of: Fixtures.printerID).isEmpty)
    }

    @Test("Everyone leaves and nothing else is scanned: silence is no evidence, so they stay home (README: add the router)")
    func nothingLeftToAnswer() {
        var home = Household()
        home.join(Fixtures.phone)
        home.join(Fixtures.laptop)
        home.run(until: FakeClock.at(60))
        home.leave(Fixtures.phone)
        home.leave(Fixtures.laptop)
        home.run(until: FakeClock.at(1200))
        #expect(home.events.filter { $0.change.kind == "departed" }.isEmpty)
        #expect(home.engine.lastRound == .outage)
        home.join(Fixtures.printer) // something answers again: the scans count, and they depart
        home.run(until: FakeClock.at(1600))
        #expect(home.departures(of: Fixtures.phoneID).count == 1 && home.departures(of: Fixtures.laptopID).count == 1)
    }

    @Test("A re-probe started early (reprobe lead) departs nobody before the grace is over, and no later than without it")
    func reprobeLead() throws {
        var home = Self.household(PresenceConfiguration(reprobeLead: .seconds(4)))
        let lastSeen = try #require(home.engine.device(Fixtures.phoneID)?.lastSeen)
        home.leave(Fixtures.phone)
        home.run(until: home.clock.now.addingTimeInterval(400))
        let probe = try #require(home.probes.first)
        #expect(probe.at.timeIntervalSince(lastSeen) >= 176 && probe.at.timeIntervalSince(lastSeen) < 180)
        let departed = try #require(home.departures(of: Fixtures.phoneID).first)
        #expect(departed.timeIntervalSince(lastSeen) == 180, "departed exactly when the grace ran out")
    }

    @Test("Devices the configuration no longer tracks are dropped from the engine and listed for clearing")
    func untrackedStoredDevices() {
        let stored = [
            Fixtures.stored(Fixtures.phone, state: .home, lastSeen: FakeClock.at(-60)),
            Fixtures.stored(Fixtures.laptop, state: .home, lastSeen: FakeClock.at(-60)),
            Fixtures.stored(Fixtures.printer, state: .notHome, lastSeen: FakeClock.at(-60)),
        ]
        let configuration = PresenceConfiguration(
            excludeMACs: [Fixtures.printer.mac!],
            trackNewDevices: false,
            devices: [Fixtures.phone.mac!: DeviceSettings(name: "Anna")])
        let engine = PresenceEngine(configuration: configuration, devices: stored)
        #expect(engine.devices.map(\.id) == [Fixtures.phoneID])
        #expect(engine.untracked.map(\.id) == [Fixtures.printerID, Fixtures.laptopID].sorted())
    }
}
