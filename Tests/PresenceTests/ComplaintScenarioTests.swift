import Foundation
import Testing

@testable import Presence

/// Each scenario is named after the Home Assistant user complaint it prevents (the table at the top of README.md).
@Suite("Complaint scenarios")
struct ComplaintScenarioTests {
    /// One step of a scripted 12-second scan cycle.
    enum Step: String, CustomTestStringConvertible {
        case seen, failed, hung, missed
        var testDescription: String { rawValue }
    }

    struct FlapCase: CustomTestStringConvertible, Sendable {
        var name: String
        var steps: [Step]
        var testDescription: String { name }
    }

    @Test(
        "No flap when a scan fails or misses the phone among good ones (core#1592)",
        arguments: [
            FlapCase(name: "one failed scan among good ones", steps: [.seen, .failed, .seen, .seen]),
            FlapCase(name: "three failed scans in a row", steps: [.seen, .failed, .failed, .failed, .seen]),
            FlapCase(name: "one hung scan killed at its timeout", steps: [.seen, .hung, .seen]),
            FlapCase(name: "one complete scan that missed the phone", steps: [.seen, .missed, .seen]),
            FlapCase(name: "misses for almost consider_home", steps: [.seen] + Array(repeating: .missed, count: 13) + [.seen]),
        ])
    func noFlap(_ scenario: FlapCase) {
        var home = Household()
        home.join(Fixtures.phone)
        var failuresInARow = 0
        for step in scenario.steps {
            home.nmap = step == .failed ? .failing("nmap exited with status 1") : step == .hung ? .hanging(timeout: 60) : .working
            home.lan[Fixtures.phone.ip]?.answersScans = step != .missed
            home.run(until: home.clock.now.addingTimeInterval(step == .hung ? 62 : 12))
            failuresInARow = step == .failed || step == .hung ? failuresInARow + 1 : 0
            #expect(home.engine.consecutiveFailures == failuresInARow, "after \(step)")
            #expect(home.engine.device(Fixtures.phoneID)?.state == .home, "after \(step)")
        }
        #expect(home.events.map(\.change.kind) == ["arrived"], "only the first sighting is a change")
        #expect(home.probes.isEmpty, "no step came near consider_home, so nothing was re-probed")
        if scenario.steps.contains(.failed) {
            #expect(home.engine.lastFailure == "nmap exited with status 1")
        }
    }

    struct HangCase: CustomTestStringConvertible, Sendable {
        var name: String
        /// Seconds of working scans after everyone left, before nmap starts hanging.
        var workingAfterLeaving: TimeInterval
        var testDescription: String { name }
    }

    @Test(
        "nmap hanging past its timeout makes no one depart, however long (core#33281)",
        arguments: [
            HangCase(name: "nmap hangs before any scan missed them", workingAfterLeaving: 0),
            HangCase(name: "nmap hangs after scans missed them, so their re-probes hang too", workingAfterLeaving: 100),
        ])
    func hangingNmap(_ scenario: HangCase) throws {
        var home = Household()
        home.join(Fixtures.phone)
        home.join(Fixtures.laptop)
        home.join(Fixtures.printer) // stays: the witness that the network works
        home.run(until: FakeClock.at(60))
        // The worst case: they really leave, and then nmap breaks, so the bridge cannot know.
        home.leave(Fixtures.phone)
        home.leave(Fixtures.laptop)
        let hangStart = FakeClock.at(60 + scenario.workingAfterLeaving)
        home.run(until: hangStart)
        home.nmap = .hanging(timeout: 300)
        home.run(until: hangStart.addingTimeInterval(2 * 3600))

        #expect(home.departures(of: Fixtures.phoneID).isEmpty)
        #expect(home.departures(of: Fixtures.laptopID).isEmpty)
        #expect(home.engine.devices.allSatisfy { $0.state == .home })
        #expect(home.engine.consecutiveFailures >= 23, "each killed scan is counted: \(home.engine.consecutiveFailures)")
        #expect(home.engine.lastFailure == "nmap killed after its 300 s timeout")
        // The hung time is not watched, so nobody falls due while nmap hangs: no re-probe at all.
        #expect(home.probes.isEmpty, "probes while nmap hung: \(home.probes.map(\.at))")

        // nmap recovers: consider_home of watching later, a re-probe that gets no answer settles it.
        home.nmap = .working
        let recovery = home.clock.now
        home.run(until: recovery.addingTimeInterval(600))
        let phoneLeft = try #require(home.departures(of: Fixtures.phoneID).first)
        let watchedBefore = scenario.workingAfterLeaving
        #expect(phoneLeft >= recovery.addingTimeInterval(180 - watchedBefore - home.interval))
        #expect(phoneLeft <= recovery.addingTimeInterval(180 + home.interval + home.scanDuration))
        #expect(home.departures(of: Fixtures.laptopID).count == 1)
        #expect(home.engine.device(Fixtures.phoneID)?.reason.hasSuffix("re-probe of 192.0.2.12 got no answer") == true)
    }

    @Test("A restart while devices left: they become not_home after consider_home of watching in this run (core#94826)")
    func restartWhileAway() throws {
        let downSince = FakeClock.at(-3600)
        let stored = [
            Fixtures.stored(Fixtures.phone, state: .home, lastSeen: downSince), // left while the bridge was down
            Fixtures.stored(Fixtures.laptop, state: .home, lastSeen: downSince), // still here
            Fixtures.stored(Fixtures.printer, state: .notHome, lastSeen: FakeClock.at(-7200)), // still away
        ]
        var home = Household(stored: stored)
        home.join(Fixtures.laptop)

        // Restored as stored, and nothing is decided before this run has evidence.
        #expect(home.engine.devices.map(\.state) == [.notHome, .home, .home])
        var engine = home.engine
        #expect(engine.next(at: home.clock.moment) == PresencePlan())

        home.nmap = .failing("nmap: dnet: Failed to open device eth0")
        home.run(until: FakeClock.at(30))
        #expect(home.events.isEmpty, "a failed first scan settles nothing")
        #expect(home.engine.device(Fixtures.phoneID)?.state == .home)

        home.nmap = .working
        let resumed = home.clock.now
        home.run(until: FakeClock.at(400))
        let firstCompleteScanStart = try #require(home.exclusions.first { $0.at >= resumed }?.at)
        let firstCompleteScanEnd = firstCompleteScanStart.addingTimeInterval(home.scanDuration)
        #expect(
            home.departures(of: Fixtures.phoneID) == [firstCompleteScanStart.addingTimeInterval(180)],
            "180 s of watching after the first complete scan started, not right after it")
        #expect(home.departures(of: Fixtures.laptopID).isEmpty)
        #expect(home.engine.device(Fixtures.laptopID).map { $0.lastSeen >= firstCompleteScanEnd } == true)
        #expect(home.engine.device(Fixtures.printerID)?.state == .notHome)
        #expect(home.events.count == 1, "the laptop stays home silently, the printer stays away silently")
        _ = firstCompleteScanEnd
        #expect(
            home.engine.device(Fixtures.phoneID)?.reason
                == "not seen since 2026-11-26T14:00:00Z; re-probe of 192.0.2.12 got no answer")
    }

    @Test(
        "home_interval with consider_home: away after at most home_interval + consider_home + interval (home-assistant.io#21051)",
        arguments: [0.0, 1, 5, 11.9, 60, 150, 299, 300, 301, 333.3])
    func homeIntervalWorstCase(leaveOffset: TimeInterval) throws {
        let homeInterval: TimeInterval = 300
        let considerHome: TimeInterval = 180
        var home = Household(
            configuration: PresenceConfiguration(considerHome: .seconds(considerHome), homeInterval: .seconds(homeInterval)))
        home.join(Fixtures.phone)
        home.join(Fixtures.printer)
        let leftAt = FakeClock.at(1000 + leaveOffset)
        home.run(until: leftAt)
        #expect(home.events.map(\.change.kind) == ["arrived", "arrived"], "never away while present")
        #expect(
            home.exclusions.contains { $0.addresses == ["192.0.2.12", "192.0.2.30"] },
            "scans left the recently seen devices out")
        let lastSeen = try #require(home.engine.device(Fixtures.phoneID)?.lastSeen)

        home.leave(Fixtures.phone)
        home.run(until: leftAt.addingTimeInterval(2000))
        let departed = try #require(home.departures(of: Fixtures.phoneID).first)
        let sinceSeen = departed.timeIntervalSince(lastSeen)
        #expect(sinceSeen >= homeInterval + considerHome, "the grace starts when scanning the device resumes")
        #expect(sinceSeen <= homeInterval + considerHome + home.scanDuration, "decided when due, not at some later scan")
        #expect(departed.timeIntervalSince(leftAt) <= homeInterval + considerHome + home.interval)
        #expect(home.departures(of: Fixtures.printerID).isEmpty)
    }

    @Test("A phone missing from scans but answering the re-probe stays home")
    func sleepingPhoneAnswersProbe() throws {
        var home = Household()
        home.join(Fixtures.phone)
        home.join(Fixtures.printer)
        home.run(until: FakeClock.at(30))
        home.lan[Fixtures.phone.ip]?.answersScans = false // asleep: ignores the sweep, answers a direct probe
        home.run(until: FakeClock.at(2 * 3600))

        #expect(home.departures(of: Fixtures.phoneID).isEmpty)
        let answered = home.probes.filter { $0.result == .answered(mac: Fixtures.phone.mac) }
        #expect(answered.count >= 35, "re-probed about every consider_home: \(answered.count)")
        let phone = try #require(home.engine.device(Fixtures.phoneID))
        #expect(phone.state == .home)
        #expect(phone.reason == "arp-response", "the reason of its arrival: answering a re-probe changes no state")
        #expect(phone.lastSeen == answered.last?.at)

        home.leave(Fixtures.phone) // now it really goes
        home.run(until: FakeClock.at(3 * 3600))
        #expect(home.departures(of: Fixtures.phoneID).count == 1)
    }

    @Test("An IP handed from one MAC to another neither moves nor keeps the old device")
    func ipHandedToAnotherMAC() throws {
        var home = Household()
        home.join(Fixtures.phone)
        home.join(Fixtures.printer)
        home.run(until: FakeClock.at(100))
        let phoneLastSeen = try #require(home.engine.device(Fixtures.phoneID)?.lastSeen)
        home.leave(Fixtures.phone)
        home.join(Fixtures.stranger) // DHCP gives 192.0.2.12 to a new MAC
        home.run(until: FakeClock.at(600))

        let strangerID = "daa119000001"
        #expect(home.arrivals(of: strangerID).count == 1)
        let stranger = try #require(home.engine.device(strangerID))
        #expect(stranger.ip == "192.0.2.12" && stranger.randomizedMAC)
        let updates = home.events.filter { $0.change.kind == "updated" }
        #expect(updates.isEmpty, "the phone is not moved to the stranger's sighting")
        let phone = try #require(home.engine.device(Fixtures.phoneID))
        #expect(phone.ip == "192.0.2.12" && phone.state == .notHome)
        let departed = try #require(home.departures(of: Fixtures.phoneID).first)
        let sinceSeen = departed.timeIntervalSince(phoneLastSeen)
        #expect(sinceSeen >= 180 && sinceSeen <= 180 + home.scanDuration)
        #expect(phone.reason.hasSuffix("re-probe of 192.0.2.12 was answered by da:a1:19:00:00:01 instead"))
    }

    struct GraceCase: CustomTestStringConvertible, Sendable {
        var deviceConsiderHome: Duration?
        var expected: TimeInterval
        var testDescription: String { "device consider_home \(deviceConsiderHome.map { "\($0)" } ?? "unset")" }
    }

    @Test(
        "A per-device consider_home overrides the global one",
        arguments: [
            GraceCase(deviceConsiderHome: .seconds(600), expected: 600),
            GraceCase(deviceConsiderHome: .seconds(30), expected: 30),
            GraceCase(deviceConsiderHome: nil, expected: 180),
        ])
    func perDeviceConsiderHome(_ scenario: GraceCase) throws {
        var home = Household(
            configuration: PresenceConfiguration(devices: [
                "3c-22-fb-12-34-56": DeviceSettings(name: "Anna", considerHome: scenario.deviceConsiderHome)
            ]))
        home.join(Fixtures.phone)
        home.join(Fixtures.laptop)
        home.join(Fixtures.printer)
        home.run(until: FakeClock.at(50))
        let phoneSeen = try #require(home.engine.device(Fixtures.phoneID)?.lastSeen)
        let laptopSeen = try #require(home.engine.device(Fixtures.laptopID)?.lastSeen)
        home.leave(Fixtures.phone)
        home.leave(Fixtures.laptop)
        home.run(until: FakeClock.at(1000))

        let phoneGrace = try #require(home.departures(of: Fixtures.phoneID).first).timeIntervalSince(phoneSeen)
        #expect(phoneGrace >= scenario.expected && phoneGrace <= scenario.expected + home.scanDuration)
        let laptopGrace = try #require(home.departures(of: Fixtures.laptopID).first).timeIntervalSince(laptopSeen)
        #expect(laptopGrace >= 180 && laptopGrace <= 180 + home.scanDuration, "unlisted devices keep the global value")
        #expect(home.engine.device(Fixtures.phoneID)?.name == "Anna")
    }
}

extension PresenceChange {
    /// The case name, for compact expectations.
    var kind: String {
        switch self {
        case .arrived: "arrived"
        case .departed: "departed"
        case .updated: "updated"
        }
    }
}
