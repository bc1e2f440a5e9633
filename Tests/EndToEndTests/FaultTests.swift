import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Faults around the daemon: the broker, nmap, the daemon itself and its state file. What must hold in
/// every case: nothing a subscriber relies on is lost, and no device is declared `not_home` because
/// something broke. nmap is the stand-in (``StandInNmap``) printing a scan captured on the test LAN,
/// so each fault can be switched on and off while the real daemon runs against a real broker.
@Suite("Faults: nothing lost, no false not_home")
struct FaultTests {
    static let ids = StandInNmap.fixtureIDs
    static let considerHome = 3

    @Test("the broker is down at start: retries with backoff, says so, publishes everything once it is up")
    func brokerDownAtStart() async throws {
        try await withBridge(broker: .later, watcher: .none) { scene in
            let (nmap, daemon, port) = (scene.nmap, scene.daemon, scene.brokerPort)
            // At least three failed attempts, each logged, before the broker exists.
            let deadline = ContinuousClock.now + .seconds(20)
            while occurrences(of: "Cannot reach the MQTT broker", in: daemon.log) < 3 {
                guard ContinuousClock.now < deadline, !daemon.process.hasExited else {
                    throw EndToEndError("the daemon did not report three failed connection attempts; log:\n\(daemon.log.suffix(3000))")
                }
                try await Task.sleep(for: .milliseconds(100))
            }
            // Backoff: the announced delays grow.
            let delays = daemon.log.split(separator: "\n").filter { $0.contains("Cannot reach the MQTT broker") }
                .compactMap { line -> Double? in
                    guard let range = line.range(of: #"mqtt\.retry_in=[0-9.]+"#, options: .regularExpression) else { return nil }
                    return Double(line[range].dropFirst("mqtt.retry_in=".count))
                }
            #expect(delays.count >= 3 && delays[2] > delays[0], "retry delays \(delays) should grow")
            // Scanning does not wait for the broker.
            while nmap.callCount == 0, ContinuousClock.now < deadline + .seconds(10) {
                try await Task.sleep(for: .milliseconds(100))
            }
            #expect(nmap.callCount > 0, "scanning goes on while the broker is down")

            try await scene.startBroker()
            let snapshot = try await retainedSnapshot(port: port, until: "every config and state retained", within: .seconds(40)) { retained in
                retained["nmap2mqtt/bridge/state"] == "online"
                    && Self.ids.allSatisfy {
                        retained["homeassistant/device_tracker/\($0)/config"]?.isEmpty == false && retained["nmap2mqtt/\($0)/state"] == "home"
                    }
            }
            #expect(snapshot["nmap2mqtt/bridge/info"] != nil && snapshot["nmap2mqtt/devices"] != nil)
            #expect(!daemon.process.hasExited)
        }
    }

    @Test("the broker restarts without persistence: online, every config and state are back, retained, within seconds")
    func brokerRestartWithoutPersistence() async throws {
        try await withBridge { scene in
            let (watcher, broker, daemon) = (scene.watcher, scene.broker, scene.daemon)
            try await watcher.waitForAll(Self.ids)
            await watcher.stop()
            try await broker.restart()
            let restarted = ContinuousClock.now
            // Retained messages died with the broker: everything must be published again.
            _ = try await retainedSnapshot(port: broker.port, until: "online, every config and state retained again", within: .seconds(10)) {
                retained in
                retained["nmap2mqtt/bridge/state"] == "online" && retained["nmap2mqtt/bridge/info"] != nil
                    && retained["homeassistant/binary_sensor/nmap2mqtt_bridge/connection/config"] != nil
                    && Self.ids.allSatisfy {
                        retained["homeassistant/device_tracker/\($0)/config"]?.isEmpty == false && retained["nmap2mqtt/\($0)/state"] == "home"
                            && retained["nmap2mqtt/\($0)/attributes"] != nil
                    }
            }
            let took = ContinuousClock.now - restarted
            #expect(took < .seconds(10), "everything was back after \(took)")
            #expect(daemon.log.contains("Lost the MQTT broker"))
        }
    }

    @Test("nmap hangs: killed at scan.timeout, nobody leaves while it hangs, bridge/info says so, the next good scan works")
    func nmapHangs() async throws {
        try await withBridge(config: BridgeConfig(considerHome: Self.considerHome, timeout: 2)) { scene in
            let (nmap, watcher, daemon) = (scene.nmap, scene.watcher, scene.daemon)
            try await watcher.waitForAll(Self.ids)
            let hangStarted = Date()
            try nmap.set(.hang)
            // Three times consider_home with nmap hanging on every scan and every re-probe.
            let info = try await watcher.waitForInfo("two timed-out scans", within: .seconds(20), since: hangStarted) {
                $0.consecutiveFailures >= 2 && $0.lastScanOk == false
            }
            #expect(info.lastError?.contains("timeout") == true, "last_error: \(info.lastError ?? "none")")
            let hangEnd = hangStarted.addingTimeInterval(Double(3 * Self.considerHome + 1))
            try await Task.sleep(for: .seconds(max(0, hangEnd.timeIntervalSinceNow)))
            let during = watcher.states(since: hangStarted)
            #expect(during.allSatisfy { $0.state == "home" }, "states while nmap hung: \(during)")
            #expect(try !watcher.events(since: hangStarted).contains { $0.event == .departed })
            #expect(nmap.hungPIDs.count >= 3, "hung runs: \(nmap.hungPIDs)")
            #expect(daemon.log.contains("Scan failed") && daemon.log.contains("timeout"))

            let recovered = Date()
            try nmap.set(.xml)
            try await watcher.waitForInfo("a good scan again", within: .seconds(10), since: recovered) {
                $0.lastScanOk == true && $0.consecutiveFailures == 0
            }
            // Every hung run was killed (the whole group), none is left behind.
            try await Task.sleep(for: .seconds(1))
            for pid in nmap.hungPIDs {
                let alive = kill(pid, 0) == 0 && ((try? String(contentsOfFile: "/proc/\(pid)/cmdline", encoding: .utf8)) ?? "").contains("sleep")
                #expect(!alive, "hung stand-in \(pid) still runs")
            }
            #expect(watcher.states(since: hangStarted).allSatisfy { $0.state == "home" })
        }
    }

    enum BadNmap: String, CaseIterable, Sendable {
        case nonZeroExit, truncatedXML, garbage, missing, nmapReportedError

        /// What the log and bridge/info's last_error must say.
        var says: String {
            switch self {
            case .nonZeroExit: "Failed to open device eth9"
            case .truncatedXML: "cut short"
            case .garbage: "not nmap XML"
            case .missing: "cannot run"
            case .nmapReportedError: "nmap reported an error"
            }
        }
    }

    @Test(
        "nmap fails, prints broken XML, or is missing: no state changes, a clear error in the log and in bridge/info",
        arguments: BadNmap.allCases)
    func badNmap(_ bad: BadNmap) async throws {
        try await withBridge(config: BridgeConfig(considerHome: Self.considerHome)) { scene in
            let (nmap, watcher, daemon) = (scene.nmap, scene.watcher, scene.daemon)
            try await watcher.waitForAll(Self.ids)
            let broke = Date()
            switch bad {
            case .nonZeroExit: try nmap.set(.fail)
            case .garbage: try nmap.set(.garbage)
            case .missing: try nmap.hide()
            case .truncatedXML:
                let full = Array(StandInNmap.scan().utf8)
                try nmap.serve(Array(full.prefix(full.count * 6 / 10)))
            case .nmapReportedError:
                try nmap.serve(
                    #"<?xml version="1.0"?><nmaprun scanner="nmap" args="nmap" version="7.93"><runstats><finished time="1" exit="error" errormsg="Failed to resolve &quot;lab&quot;"/></runstats></nmaprun>"#
                )
            }
            let info = try await watcher.waitForInfo("the failure", within: .seconds(15), since: broke) {
                $0.lastScanOk == false && $0.consecutiveFailures >= 2
            }
            let lastError = info.lastError ?? ""
            #expect(lastError.contains(bad.says), "bridge/info last_error: \(lastError)")
            // Two consider_home periods of failures: nobody leaves.
            try await Task.sleep(for: .seconds(2 * Self.considerHome + 1))
            let during = watcher.states(since: broke)
            #expect(during.allSatisfy { $0.state == "home" }, "states while nmap was broken: \(during)")
            let errors = daemon.log.split(separator: "\n").filter { $0.contains("error") && $0.contains("Scan failed") }
            #expect(errors.contains { $0.contains(bad.says) }, "no clear error in the log")

            let repaired = Date()
            if bad == .missing { try nmap.restore() }
            try nmap.set(.xml)
            try nmap.serve(StandInNmap.scan())
            try await watcher.waitForInfo("a good scan again", within: .seconds(10), since: repaired) {
                $0.lastScanOk == true && $0.consecutiveFailures == 0
            }
            #expect(watcher.states(since: broke).allSatisfy { $0.state == "home" })
        }
    }

    @Test("the bridge is killed with SIGKILL and restarted: states come back from the state file, no device flaps")
    func killedAndRestarted() async throws {
        try await withBridge(config: BridgeConfig(considerHome: Self.considerHome)) { scene in
            let (nmap, watcher) = (scene.nmap, scene.watcher)
            let leaver = Self.ids[5]
            let stayers = Array(Self.ids.prefix(5))
            var daemon = scene.daemon
            try await watcher.waitForAll(Self.ids)
            try nmap.serve(StandInNmap.scan(omitting: [leaver]))
            _ = try await watcher.log.waitFor("nmap2mqtt/\(leaver)/state", within: .seconds(15), "\(leaver) not_home") { $0 == "not_home" }
            try await Task.sleep(for: .milliseconds(500))
            daemon.process.signal(SIGKILL)
            #expect(await daemon.process.waitForExit(within: .seconds(5)) == 137)
            _ = try await watcher.log.waitFor("nmap2mqtt/bridge/state", within: .seconds(5), "the will: offline") { $0 == "offline" }
            let saved = try #require(FileManager.default.contents(atPath: scene.stateFile))
            #expect(try Published.decode(Published.StateFile.self, from: saved).devices.contains { $0.id == leaver && $0.state == .notHome })

            // Restart while nmap hangs: whatever goes out before a scan completes comes from the state file.
            try nmap.set(.hang)
            try await Task.sleep(for: .seconds(2 * Self.considerHome)) // long past every last_seen + consider_home
            let restarted = Date()
            daemon = try scene.startDaemon()
            try await watcher.waitForAll(stayers, within: .seconds(15), since: restarted)
            _ = try await watcher.log.waitFor("nmap2mqtt/\(leaver)/state", within: .seconds(10), since: restarted, "\(leaver) still not_home") {
                $0 == "not_home"
            }
            try await Task.sleep(for: .seconds(Self.considerHome + 2))
            // Then nmap works again and sees the same five.
            try nmap.set(.xml)
            try await watcher.waitForInfo("a good scan after the restart", within: .seconds(10), since: restarted) { $0.lastScanOk == true }
            try await Task.sleep(for: .seconds(2))
            let after = watcher.states(since: restarted)
            let flapped = after.filter { ($0.id == leaver) != ($0.state == "not_home") }
            #expect(flapped.isEmpty, "states after the restart that differ from before the kill: \(flapped)")
            #expect(
                !watcher.log.on("nmap2mqtt/events", since: restarted).contains { !$0.message.payload.isEmpty },
                "no arrived or departed event after the restart")
        }
    }

    @Test("a corrupt state file is moved aside with a clear warning and the bridge runs")
    func corruptStateFile() async throws {
        try await withBridge(startDaemon: false) { scene in
            try Data([0x7B, 0x22, 0x66, 0x6F, 0xFF, 0x00, 0x0A]).write(to: URL(fileURLWithPath: scene.stateFile))
            let (watcher, daemon) = (scene.watcher, try scene.startDaemon())
            try await watcher.waitForAll(Self.ids)
            #expect(daemon.log.contains("warning") && daemon.log.contains("State file unusable, moved aside"))
            let aside = try FileManager.default.contentsOfDirectory(atPath: scene.directory).filter { $0.hasPrefix("state.json.corrupt-") }
            #expect(aside.count == 1, "moved-aside files: \(aside)")
            if let first = aside.first {
                #expect(FileManager.default.contents(atPath: scene.directory + "/" + first)?.count == 7, "the bad file is kept as it was")
            }
            try await Task.sleep(for: .seconds(1))
            let saved = try #require(FileManager.default.contents(atPath: scene.stateFile))
            #expect(
                (try? Published.decode(Published.StateFile.self, from: saved)) != nil,
                "a fresh, valid state file: \(String(decoding: saved, as: UTF8.self).prefix(300))")
        }
    }

    enum BadStateDirectory: String, CaseIterable, Sendable {
        case readOnly, full
    }

    /// The state directory is a tmpfs mounted read-only, or filled to the last byte, in a mount
    /// namespace of the daemon's own (`unshare -m`): the mount vanishes with the daemon.
    @Test(
        "the state directory is read-only or full: a clear error, publishing goes on",
        .enabled(if: getuid() == 0, "mounting a tmpfs needs root"), arguments: BadStateDirectory.allCases)
    func badStateDirectory(_ bad: BadStateDirectory) async throws {
        try await withBridge(config: nil, startDaemon: false) { scene in
            let (nmap, watcher) = (scene.nmap, scene.watcher)
            let stateDirectory = scene.directory + "/state"
            try FileManager.default.createDirectory(atPath: stateDirectory, withIntermediateDirectories: true)
            try scene.writeConfig(BridgeConfig(stateFile: stateDirectory + "/state.json"))
            let mount =
                switch bad {
                case .readOnly: "mount -t tmpfs -o ro,size=64k tmpfs '\(stateDirectory)'"
                case .full:
                    "mount -t tmpfs -o size=8k tmpfs '\(stateDirectory)' && (dd if=/dev/zero of='\(stateDirectory)/fill' bs=1k 2>/dev/null || true)"
                }
            let daemon = try scene.startDaemon { logFile in
                try ChildProcess(
                    "/usr/bin/unshare",
                    [
                        "-m", "--propagation", "private", "/bin/sh", "-c",
                        "\(mount) && exec '\(Daemon.executable)' run --config '\(scene.configFile)'",
                    ],
                    outputFile: logFile)
            }
            try await watcher.waitForAll(Self.ids)
            let expected = bad == .readOnly ? "Read-only file system" : "No space left on device"
            let errorLine = daemon.log.split(separator: "\n").first { $0.contains("Cannot save the device states") }
            #expect(errorLine?.contains("error") == true && errorLine?.contains(expected) == true, "error line: \(errorLine ?? "none")")
            // Logged once, not on every save.
            try await Task.sleep(for: .seconds(3))
            #expect(occurrences(of: "Cannot save the device states", in: daemon.log) == 1)
            #expect(!daemon.process.hasExited)
            let before = Date()
            try nmap.serve(StandInNmap.scan(omitting: [Self.ids[0]]))
            _ = try await watcher.log.waitFor(
                "nmap2mqtt/\(Self.ids[0])/state", within: .seconds(15), since: before,
                "publishing goes on: a departure"
            ) { $0 == "not_home" }
        }
    }

    /// The broker stops reading (a stalled proxy in between): the daemon keeps scanning 300 devices
    /// every second, each scan changing every device's attributes and the devices list, and must not
    /// queue what cannot go out.
    @Test("a broker that does not take messages does not grow the bridge's memory without bound")
    func stalledBrokerMemory() async throws {
        try await withBridge(proxy: true, config: BridgeConfig(considerHome: 30, extra: ["homeassistant:\n  discovery: false"]), startDaemon: false) {
            scene in
            let (nmap, watcher, proxy) = (scene.nmap, scene.watcher, scene.proxy)
            try nmap.serve(Self.bigScan(hosts: 300))
            let daemon = try scene.startDaemon()
            _ = try await watcher.log.wait("300 devices home", within: .seconds(60)) { entries in
                Set(entries.filter { $0.message.topic.hasSuffix("/state") && $0.message.string == "home" }.map(\.message.topic)).count >= 300
                    ? true : nil
            }
            proxy.stall(true)
            let stalled = Date()
            let callsAtStall = nmap.callCount
            var samples: [Int] = []
            for _ in 0..<24 {
                try await Task.sleep(for: .seconds(1))
                samples.append(residentKiB(daemon.process.pid) ?? 0)
            }
            let scans = nmap.callCount - callsAtStall
            #expect(scans >= 8, "only \(scans) scans while the broker was stalled")
            // Something reached the broker in the first moments (what was in flight), then nothing.
            let lateArrivals = watcher.log.all.filter { $0.at > stalled.addingTimeInterval(3) }
            #expect(lateArrivals.isEmpty, "the proxy let \(lateArrivals.count) messages through while stalled")
            let settled = samples[5]
            let peak = samples[6...].max() ?? 0
            #expect(peak - settled < 24 * 1024, "RSS grew from \(settled) KiB to \(peak) KiB while the broker was stalled; samples: \(samples)")

            proxy.stall(false)
            let released = Date()
            // The newest state goes out once the broker takes messages again (the old connection may have
            // been given up on, so this can take a reconnect).
            _ = try await watcher.log.waitFor("nmap2mqtt/bridge/info", within: .seconds(40), since: released, "bridge/info after the stall")
            #expect(!daemon.process.hasExited)
        }
    }

    /// A scan that finds `hosts` devices with made-up MACs at 198.18.42.0/22-style addresses (never scanned).
    static func bigScan(hosts: Int) -> String {
        var xml =
            #"<?xml version="1.0" encoding="UTF-8"?>"# + "\n"
            + #"<nmaprun scanner="nmap" args="nmap -oX - -sn" start="1795708438" version="7.93" xmloutputversion="1.05">"# + "\n"
        for index in 0..<hosts {
            let ip = "198.18.\(42 + index / 250).\(1 + index % 250)"
            let mac = String(format: "02:00:00:00:%02X:%02X", index / 256, index % 256)
            xml +=
                #"<host><status state="up" reason="arp-response" reason_ttl="0"/><address addr="\#(ip)" addrtype="ipv4"/><address addr="\#(mac)" addrtype="mac"/><hostnames><hostname name="device-\#(index).lab" type="PTR"/></hostnames></host>"#
                + "\n"
        }
        xml +=
            #"<runstats><finished time="1795708440" elapsed="1.96" exit="success"/><hosts up="\#(hosts)" down="0" total="\#(hosts)"/></runstats></nmaprun>"#
            + "\n"
        return xml
    }
}
