import Foundation
import TestSupport
import Testing

/// The daemon where a passive source can hear: inside the scanner's namespace of the test LAN, with its
/// broker and a subscriber beside it, as on a home server's LAN. A host re-joins as a phone does (link
/// up, a DHCPREQUEST broadcast from 0.0.0.0, a gratuitous ARP) one second after a scan ended.
@Suite("Instant arrival on the test LAN", .enabled(if: TestLAN.shouldRun, "\(TestLAN.unavailableReason ?? "")"))
struct InstantArrivalTests {
    static let interval = 10
    static let port = 18_830

    /// What `mosquitto_sub -F '%U %t %p'` wrote: receive time, topic, payload.
    struct Line {
        var at: Date
        var topic: String
        var payload: String
    }

    static func lines(_ file: String) -> [Line] {
        let text = (try? String(contentsOfFile: file, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").compactMap { line in
            let parts = line.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: false)
            guard parts.count >= 2, let seconds = Double(parts[0]) else { return nil }
            return Line(at: Date(timeIntervalSince1970: seconds), topic: String(parts[1]), payload: parts.count > 2 ? String(parts[2]) : "")
        }
    }

    static func waitFor(
        _ what: String, in file: String, within limit: Duration, since: Date = .distantPast,
        _ match: (Line) -> Bool
    ) async throws -> Line {
        let deadline = ContinuousClock.now + limit
        while ContinuousClock.now < deadline {
            if let line = lines(file).first(where: { $0.at >= since && match($0) }) { return line }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw EndToEndError(
            "timed out after \(limit) waiting for \(what); last messages:\n\(lines(file).suffix(10).map { "\($0.topic) \($0.payload)" }.joined(separator: "\n"))"
        )
    }

    /// The delay itself (target: under a second) is measured by bench/arrival, not asserted here.
    @Test("a phone re-joining one second after a scan is home long before the next scan could have seen it")
    func rejoin() async throws {
        try await withBridge(
            lab: true, labName: TestLAN.uniqueName(prefix: "ia"), broker: .none, watcher: .none, config: nil,
            startDaemon: false
        ) { scene in
            let (lab, directory) = (try #require(scene.lab), scene.directory)
            let inLab = ["netns", "exec", lab.scannerNamespace]
            try "listener \(Self.port) 127.0.0.1\nallow_anonymous true\npersistence false\n"
                .write(toFile: directory + "/mosquitto.conf", atomically: true, encoding: .utf8)
            let broker = try ChildProcess("ip", inLab + ["mosquitto", "-c", directory + "/mosquitto.conf"], outputFile: directory + "/broker.log")
            scene.onTeardown("the lab's broker") { await broker.kill() }
            let brokerDeadline = ContinuousClock.now + .seconds(10)
            while (try? await ChildProcess.run("ip", inLab + ["mosquitto_pub", "-h", "127.0.0.1", "-p", "\(Self.port)", "-t", "up", "-n"])) == nil {
                guard ContinuousClock.now < brokerDeadline else { throw EndToEndError("the broker in the lab did not start") }
                try await Task.sleep(for: .milliseconds(100))
            }
            let messages = directory + "/messages.log"
            let subscriber = try ChildProcess(
                "ip",
                inLab + [
                    "mosquitto_sub", "-h", "127.0.0.1", "-p", "\(Self.port)", "-v", "-t", "nmap2mqtt/#",
                    "-F", "%U %t %p",
                ], outputFile: messages)
            scene.onTeardown("the lab's subscriber") { await subscriber.kill() }
            try """
            mqtt: {host: 127.0.0.1, port: \(Self.port), client_id: nmap2mqtt-ia}
            homeassistant: {discovery: false}
            scan:
              hosts: \(lab.subnet)
              scan_options: "-sn"
              interval_seconds: \(Self.interval)
              consider_home: 4
              timeout: 20
              nmap_path: nmap
            state_file: \(directory)/state.json
            log_level: debug
            web: {port: 0}
            """.write(toFile: directory + "/config.yaml", atomically: true, encoding: .utf8)
            let daemon = try scene.startDaemon { logFile in
                try ChildProcess("ip", inLab + [Daemon.executable, "run", "--config", scene.configFile], outputFile: logFile)
            }
            for host in lab.hosts {
                _ = try await Self.waitFor("\(host.hostName) home", in: messages, within: .seconds(40)) {
                    $0.topic == "nmap2mqtt/\(host.deviceID)/state" && $0.payload == "home"
                }
            }
            #expect(daemon.log.contains("packet socket"), "the log names the passive source")
            let phone = lab.host(3)
            let phoneID = phone.deviceID
            let left = Date()
            try await lab.leave(phone.index)
            _ = try await Self.waitFor("\(phone.hostName) not_home", in: messages, within: .seconds(90), since: left) {
                $0.topic == "nmap2mqtt/\(phoneID)/state" && $0.payload == "not_home"
            }
            // A scan ends (bridge/info follows it), one second passes, and the phone comes back.
            let scanEnded = try await Self.waitFor("the end of a scan", in: messages, within: .seconds(30), since: Date()) {
                $0.topic == "nmap2mqtt/bridge/info"
            }.at
            try await Task.sleep(until: .now + .seconds(1) - .seconds(Date().timeIntervalSince(scanEnded)))
            let joined = Date()
            try await lab.join(phone.index)
            try await FrameSender.send(in: phone.namespace, ["dhcp-request,\(phone.mac),\(phone.ip),annas-iphone", "garp,\(phone.mac),\(phone.ip)"])
            let home = try await Self.waitFor("\(phone.hostName) home again", in: messages, within: .seconds(30), since: joined) {
                $0.topic == "nmap2mqtt/\(phoneID)/state" && $0.payload == "home"
            }
            let delay = home.at.timeIntervalSince(joined)
            print(
                "instant arrival: home \(String(format: "%.3f", delay)) s after the link came up, \(String(format: "%.1f", home.at.timeIntervalSince(scanEnded))) s after the last scan ended"
            )
            #expect(home.at.timeIntervalSince(scanEnded) < Double(Self.interval) - 3, "well before the next scan could have seen it")
            let arrival = try await Self.waitFor("its arrival event", in: messages, within: .seconds(5), since: joined) {
                $0.topic == "nmap2mqtt/events" && (try? Published.decode(Published.Event.self, from: Array($0.payload.utf8)))?.device.mac == phone.mac
            }
            let event = try Published.decode(Published.Event.self, from: Array(arrival.payload.utf8))
            #expect(event.event == .arrived && event.device.reason == "dhcp-request", "\(arrival.payload)")
            #expect(event.device.hostName == "annas-iphone", "the DHCP host name: \(arrival.payload)")
            daemon.process.signal(SIGTERM)
            #expect(await daemon.process.waitForExit(within: .seconds(10)) == 0)
        }
    }
}
