import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Presence that holds in a real home, through the built daemon and a real broker: only watched time
/// counts against a device (a stopped bridge or a stepped wall clock counts against nobody), a scan in
/// which nothing answered is a network outage and no empty house, a departure needs a witness, and
/// devices the configuration no longer tracks leave the broker. The LAN scenarios run real nmap on the
/// namespace test LAN (root only); the others use the stand-in nmap.
@Suite("Real home end to end: watched time, outages, witnesses, untracked devices")
struct RealHomeTests {
    static let interval = 2
    static let considerHome = 6

    // MARK: On the test LAN

    @Test(
        "a switch outage longer than consider_home: no device departs, bridge/info reports outage, all stay home after",
        .enabled(if: TestLAN.shouldRun, "\(TestLAN.unavailableReason ?? "")"))
    func switchOutage() async throws {
        try await withBridge(lab: true, config: .home()) { scene in
            let (lab, daemon) = (try #require(scene.lab), scene.daemon)
            try await scene.watcher.waitForAll(scene.ids, within: .seconds(40))
            try await scene.watcher.waitForInfo("a scan that counted", within: .seconds(20)) { $0.lastScanResult == .ok }

            let off = Date()
            try await lab.setSwitch(on: false)
            #expect(try await lab.scannerLinkIsUp(), "the scanner's own link must stay up: only the switch is down")
            // A scan under way when the switch goes off can stall until scan.timeout (nmap waits for
            // its timing reference): that round is "failed", the next silent one an outage.
            let outage = try await scene.watcher.waitForInfo("an outage", within: .seconds(75), since: off) {
                $0.lastScanResult == .outage && $0.consecutiveOutages >= 1
            }
            #expect(outage.lastScanOk == false)
            // The switch stays off for three times consider_home.
            try await Task.sleep(for: .seconds(max(0, off.addingTimeInterval(Double(3 * Self.considerHome)).timeIntervalSinceNow)))
            try await scene.watcher.waitForInfo("outages in a row", within: .seconds(75), since: off) {
                $0.lastScanResult == .outage && $0.consecutiveOutages >= 2
            }
            #expect(scene.watcher.notHome(since: off).isEmpty, "not_home while the switch was off: \(scene.watcher.notHome(since: off))")
            #expect(try scene.watcher.departures(since: off).isEmpty)

            let on = Date()
            try await lab.setSwitch(on: true)
            let (back, info) = try await scene.watcher.log.waitFor(
                "nmap2mqtt/bridge/info", as: Published.BridgeInfo.self, within: .seconds(30),
                since: on, newest: true, "a counted scan again"
            ) { $0.lastScanResult == .ok }
            #expect(info.lastScanOk == true && info.consecutiveOutages == 0, "bridge/info: \(info)")
            // One more counted scan: a departure decided right after the network came back would show.
            try await scene.watcher.waitForInfo("another counted scan", within: .seconds(30), since: back.at.addingTimeInterval(0.1)) {
                $0.lastScanResult == .ok
            }
            for id in scene.ids {
                #expect(scene.watcher.log.latest("nmap2mqtt/\(id)/state") == "home", "\(id) after the outage")
            }
            #expect(try scene.watcher.notHome(since: off).isEmpty && scene.watcher.departures(since: off).isEmpty)

            let lines = daemon.log.split(separator: "\n")
            let down = lines.filter { $0.contains("No host answered the scan: the network looks down") }
            #expect(down.count == 1 && down.first?.contains("warning") == true, "the outage is logged once, at warning: \(down)")
            let recovered = lines.filter { $0.contains("Hosts answer the scan again; the network is back") }
            #expect(recovered.count == 1 && recovered.first?.contains("info") == true, "the recovery is logged once, at info: \(recovered)")
        }
    }

    @Test(
        "everyone leaves at once while a router stays: every phone departs",
        .enabled(if: TestLAN.shouldRun, "\(TestLAN.unavailableReason ?? "")"))
    func everyoneLeavesButTheRouter() async throws {
        try await withBridge(lab: true, config: .home()) { scene in
            let lab = try #require(scene.lab)
            let router = lab.host(2)
            let phones = lab.hosts.filter { $0 != router }
            try await scene.watcher.waitForAll(scene.ids, within: .seconds(40))
            let left = ContinuousClock.now
            let leftAt = Date()
            for phone in phones {
                try await lab.leave(phone.index)
            }
            // consider_home and one interval, plus nmap's stall when hosts vanish mid-scan (up to the
            // scan timeout, then a failed scan), the next scan (8 s seen), and the re-probes (about 7 s
            // each, four at a time).
            let limit = Duration.seconds(Self.considerHome + Self.interval + 45)
            for phone in phones {
                let id = phone.deviceID
                let remaining = max(.zero, limit - (ContinuousClock.now - left))
                _ = try await scene.watcher.log.waitFor(
                    "nmap2mqtt/\(id)/state", within: remaining, since: leftAt,
                    "\(phone.hostName) not_home"
                ) { $0 == "not_home" }
            }
            for phone in phones {
                // Events go out after the retained topics of the same step: wait for it.
                let (entry, event) = try await scene.watcher.log.waitFor(
                    "nmap2mqtt/events", as: Published.Event.self, within: .seconds(10),
                    since: leftAt, "a departed event for \(phone.hostName)"
                ) {
                    $0.event == .departed && $0.device.mac == phone.mac
                }
                #expect(
                    entry.at.timeIntervalSince(event.device.lastSeen) >= Double(Self.considerHome) - 0.5,
                    "\(phone.hostName) departed \(entry.at.timeIntervalSince(event.device.lastSeen)) s after its last sighting")
                #expect(event.device.reason.contains("got no answer"), "reason: \(event.device.reason)")
            }
            // The router answers on: two more scans, and it never left.
            let departed = Date()
            try await scene.watcher.waitForInfo("a counted scan after the departures", within: .seconds(30), since: departed) {
                $0.lastScanResult == .ok && $0.devicesHome == 1
            }
            let routerID = router.deviceID
            #expect(!scene.watcher.states(since: leftAt).contains { $0.id == routerID && $0.state != "home" })
            #expect(try !scene.watcher.departures(since: leftAt).contains { $0.device.mac == router.mac })
            #expect(scene.watcher.log.latest("nmap2mqtt/\(routerID)/state") == "home")
        }
    }

    @Test(
        "the bridge was stopped longer than consider_home: a phone dozing through the first scan after the restart stays home",
        .enabled(if: TestLAN.shouldRun, "\(TestLAN.unavailableReason ?? "")"))
    func stoppedLongerThanConsiderHome() async throws {
        let considerHome = 8
        // last_seen on every scan: the sighting after the restart shows in the attributes.
        try await withBridge(lab: true, config: .home(considerHome: considerHome, mqtt: ["last_seen_refresh: 1"])) { scene in
            let (lab, first) = (try #require(scene.lab), scene.daemon)
            let phone = lab.host(3)
            let phoneID = phone.deviceID
            try await scene.watcher.waitForAll(scene.ids, within: .seconds(40))
            first.process.signal(SIGTERM)
            #expect(await first.process.waitForExit(within: .seconds(5)) == 0, "exit status after SIGTERM")
            let stopped = ContinuousClock.now
            try await lab.leave(phone.index) // it dozes off while the bridge is away
            try await Task.sleep(until: stopped + .seconds(considerHome + 2))

            let scansBefore = scene.nmap.callCount
            let restarted = Date()
            try scene.startDaemon()
            try await waitUntil("the first scan after the restart", within: .seconds(15)) { scene.nmap.callCount > scansBefore }
            // It wakes 1.5 intervals later: well before consider_home of watching has passed.
            try await Task.sleep(for: .milliseconds(Self.interval * 1500))
            let joined = Date()
            try await lab.join(phone.index)
            _ = try await scene.watcher.log.waitFor(
                "nmap2mqtt/\(phoneID)/attributes", as: Published.Attributes.self, within: .seconds(30),
                since: joined, "\(phone.hostName) seen again"
            ) { $0.lastSeen >= joined.addingTimeInterval(-1) }
            let seen = Date()
            try await scene.watcher.waitForInfo("one more counted scan", within: .seconds(20), since: seen) { $0.lastScanResult == .ok }
            let states = scene.watcher.states(since: restarted).filter { $0.id == phoneID }
            #expect(!states.isEmpty && states.allSatisfy { $0.state == "home" }, "\(phone.hostName)'s states since the restart: \(states)")
            #expect(try scene.watcher.departures(since: restarted).isEmpty, "departed events since the restart")
        }
    }

    // MARK: With the stand-in nmap

    /// libfaketime's preload library (Debian's `faketime` package), if installed.
    static let fakeTimeLibrary: String? = {
        var directories = ["/usr/lib/faketime"]
        let multiarch = (try? FileManager.default.contentsOfDirectory(atPath: "/usr/lib")) ?? []
        directories += multiarch.filter { $0.hasSuffix("-linux-gnu") }.sorted().map { "/usr/lib/\($0)/faketime" }
        return directories.map { $0 + "/libfaketimeMT.so.1" }.first { FileManager.default.fileExists(atPath: $0) }
    }()

    /// libfaketime 0.9.10 moves every absolute `timerfd_settime` deadline by its offset, monotonic ones
    /// too, even with FAKETIME_DONT_FAKE_MONOTONIC (wolfcw/libfaketime issue 378): after a step back,
    /// libdispatch's timers on CLOCK_MONOTONIC (every `Task.sleep` of the daemon) would fire an hour
    /// late, which no real clock step does to a monotonic timer. Preloaded before libfaketime, these
    /// two go straight to the kernel.
    static let timerShimSource = """
        #define _GNU_SOURCE
        #include <sys/syscall.h>
        #include <sys/timerfd.h>
        #include <unistd.h>

        int timerfd_settime(int fd, int flags, const struct itimerspec *new_value, struct itimerspec *old_value) {
            return (int)syscall(SYS_timerfd_settime, fd, flags, new_value, old_value);
        }

        int timerfd_gettime(int fd, struct itimerspec *curr_value) {
            return (int)syscall(SYS_timerfd_gettime, fd, curr_value);
        }

        """

    /// Compiles ``timerShimSource`` into `directory`; returns the library's path.
    static func buildTimerShim(in directory: String) async throws -> String {
        let source = directory + "/timerfd-shim.c"
        let library = directory + "/timerfd-shim.so"
        try timerShimSource.write(toFile: source, atomically: true, encoding: .utf8)
        let compiler = try (try? ChildProcess.locate("cc")) ?? ChildProcess.locate("clang")
        try await ChildProcess.run(compiler, ["-shared", "-fPIC", "-O2", "-o", library, source])
        return library
    }

    @Test(
        "the wall clock steps an hour forward and back: no departure from the step, a real departure still on time",
        .enabled(if: fakeTimeLibrary != nil, "libfaketime is not installed (scripts/install-deps installs faketime)"))
    func wallClockSteps() async throws {
        let library = try #require(Self.fakeTimeLibrary)
        let (interval, considerHome) = (1, 4)
        try await withBridge(config: .home(interval: interval, considerHome: considerHome, timeout: 2), startDaemon: false) { scene in
            let clockFile = scene.directory + "/faketime"
            try "+0".write(toFile: clockFile, atomically: true, encoding: .utf8)
            let shim = try await Self.buildTimerShim(in: scene.directory)
            var environment = ProcessInfo.processInfo.environment
            environment["LD_PRELOAD"] = shim + ":" + library
            environment["FAKETIME_TIMESTAMP_FILE"] = clockFile
            environment["FAKETIME_NO_CACHE"] = "1"
            environment["FAKETIME_DONT_FAKE_MONOTONIC"] = "1"
            // Under libfaketime the executable sees no arguments: it runs its default, `run --config
            // config.yaml`, in the directory that holds config.yaml. The stand-in drops the preload.
            let daemon = try scene.startDaemon { logFile in
                try ChildProcess(Daemon.executable, [], outputFile: logFile, environment: environment, workingDirectory: scene.directory)
            }
            let ids = scene.ids
            try await scene.watcher.waitForAll(ids)
            // A phone that answers every scan but would doze through a re-probe: a step that counted
            // as time without it would cost it its home.
            try scene.nmap.serveProbes(StandInNmap.scan(omitting: [ids[0]]))
            let steps = Date()
            // An hour ahead of the test's clock, then an hour behind it.
            for (spelling, offset) in [("+3600", 3600.0), ("-3600", -3600.0)] {
                try spelling.write(toFile: clockFile, atomically: true, encoding: .utf8)
                let stepped = Date()
                // The daemon's wall clock really moved: its scans now start an hour off the test's clock.
                try await scene.watcher.waitForInfo("last_scan_start \(spelling) s off", within: .seconds(10), since: stepped) { info in
                    guard let start = info.lastScanStart else { return false }
                    return abs(start.timeIntervalSince(Date()) - offset) < 60
                }
                // More than consider_home of scans on the stepped clock, every device in each of them.
                let calls = scene.nmap.callCount
                try await waitUntil("\(considerHome + 2) scans after the step to \(spelling)", within: .seconds(20)) {
                    scene.nmap.callCount >= calls + considerHome + 2
                }
            }
            #expect(scene.watcher.notHome(since: steps).isEmpty, "not_home around the steps: \(scene.watcher.notHome(since: steps))")
            #expect(try scene.watcher.departures(since: steps).isEmpty)
            #expect(!daemon.process.hasExited)

            // A real departure, timed on the test's own monotonic clock: on time, not an hour late.
            let leaver = ids[5]
            try scene.nmap.serveProbes(nil)
            let removed = ContinuousClock.now
            let removedAt = Date()
            try scene.nmap.serve(StandInNmap.scan(omitting: [leaver]))
            _ = try await scene.watcher.log.waitFor(
                "nmap2mqtt/\(leaver)/state", within: .seconds(considerHome + interval + 6), since: removedAt,
                "\(leaver) not_home on time"
            ) { $0 == "not_home" }
            let took = ContinuousClock.now - removed
            #expect(took >= .seconds(considerHome - 1), "departed \(took) after it vanished; consider_home is \(considerHome) s")
            #expect(scene.watcher.notHome(since: steps).map(\.id) == [leaver])
        }
    }

    /// The ways a device leaves the configuration.
    enum Untracking: String, CaseIterable, Sendable {
        case excludeMACs, trackFalse, unlistedWithTrackNewDevicesOff

        /// The device that goes (the stand-in's kitchen-pi).
        static let dropped = StandInNmap.fixtureIDs[1]

        /// The `scan:` lines and top-level lines of the configuration without it.
        var config: (scan: [String], extra: [String]) {
            switch self {
            case .excludeMACs:
                return (["exclude_macs: [\"B8-27-EB-10-00-12\"]"], [])
            case .trackFalse:
                return ([], ["devices:", "  - mac: b8:27:eb:10:00:12", "    track: false"])
            case .unlistedWithTrackNewDevicesOff:
                let listed = StandInNmap.fixtureIDs.filter { $0 != Self.dropped }.map { id in
                    "  - mac: "
                        + stride(from: 0, to: 12, by: 2).map { offset in
                            String(id.dropFirst(offset).prefix(2))
                        }.joined(separator: ":")
                }
                return ([], ["track_new_devices: false", "devices:"] + listed)
            }
        }
    }

    @Test("devices no longer tracked are cleared from the broker at start", arguments: Untracking.allCases)
    func untrackedCleared(_ way: Untracking) async throws {
        try await withBridge(config: BridgeConfig(interval: 1, considerHome: 3, timeout: 2)) { scene in
            let first = scene.daemon
            let dropped = Untracking.dropped
            let kept = scene.ids.filter { $0 != dropped }
            let topics = ["nmap2mqtt/\(dropped)/state", "nmap2mqtt/\(dropped)/attributes", "homeassistant/device_tracker/\(dropped)/config"]
            try await scene.watcher.waitForAll(scene.ids)
            first.process.signal(SIGTERM)
            #expect(await first.process.waitForExit(within: .seconds(5)) == 0, "exit status after SIGTERM")
            let before = try await retainedSnapshot(port: scene.broker.port, until: "the device's topics retained", within: .seconds(5)) { retained in
                topics.allSatisfy { retained[$0]?.isEmpty == false }
            }
            #expect(before["nmap2mqtt/\(dropped)/state"] == "home")

            let (scan, extra) = way.config
            try scene.writeConfig(BridgeConfig(interval: 1, considerHome: 3, timeout: 2, scan: scan, extra: extra))
            let restarted = Date()
            let daemon = try scene.startDaemon()
            try await scene.watcher.waitForAll(kept, since: restarted)
            for topic in topics {
                _ = try await scene.watcher.log.waitFor(topic, within: .seconds(10), since: restarted, "\(topic) cleared") { $0.isEmpty }
            }
            // nmap still finds it in every scan: a few of them must not bring it back.
            let calls = scene.nmap.callCount
            try await waitUntil("three scans after the restart", within: .seconds(15)) { scene.nmap.callCount >= calls + 3 }
            let retained = try await retainedSnapshot(port: scene.broker.port, until: "the others retained", within: .seconds(10)) { retained in
                retained["nmap2mqtt/bridge/state"] == "online"
                    && kept.allSatisfy {
                        retained["nmap2mqtt/\($0)/state"] == "home" && retained["homeassistant/device_tracker/\($0)/config"]?.isEmpty == false
                    }
            }
            for topic in topics {
                #expect(retained[topic] == nil, "a late subscriber still gets \(topic): \(retained[topic] ?? "")")
                #expect(scene.watcher.log.on(topic, since: restarted).allSatisfy { $0.message.payload.isEmpty }, "\(topic) published again")
            }
            #expect(retained["nmap2mqtt/devices"]?.contains(dropped) == false, "the devices list still has it")
            #expect(daemon.log.contains("No longer tracked; clearing its retained topics"))
        }
    }
}

/// Waits, at most `limit`, until `condition` holds.
private func waitUntil(_ what: String, within limit: Duration, _ condition: () -> Bool) async throws {
    let deadline = ContinuousClock.now + limit
    while !condition() {
        guard ContinuousClock.now < deadline else { throw EndToEndError("timed out after \(limit) waiting for \(what)") }
        try await Task.sleep(for: .milliseconds(50))
    }
}
