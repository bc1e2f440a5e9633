import Foundation
import Logging
import NmapScanner
import TestSupport
import Testing

/// `probe(address:witnesses:)` with real nmap on a LAN of network namespaces that each test builds and
/// removes (`TestLAN.with` removes it even when the test fails, and with it every process the test
/// started inside it). nmap runs only inside the lab's scanner namespace, through the lab's wrapper.
///
/// They need root, and skip otherwise (except on CI), as LANScanTests do. Each prints how long its
/// probes took: the bridge must start a re-probe early enough for that.
@Suite(.enabled(if: TestLAN.shouldRun, Comment(rawValue: TestLAN.unavailableReason ?? "")))
struct LANProbeTests {
    let logger = Logger(label: "test.lan.probe")

    func scanner(_ lab: TestLAN, options: String = ScannerConfiguration.defaultScanOptions) async throws -> NmapScanner {
        let wrapper = FileManager.default.temporaryDirectory.appendingPathComponent("nmap2mqtt-\(lab.name)-probe").path
        try await lab.nmapWrapper(path: wrapper)
        return try NmapScanner(
            configuration: ScannerConfiguration(
                targets: [lab.subnet], exclude: [lab.scannerIP], scanOptions: options, nmapPath: wrapper,
                timeout: .seconds(60), neighbourTablePath: lab.neighbourTablePath),
            logger: logger)
    }

    /// Runs `body` and prints how long it took.
    func timed<T>(_ what: String, _ body: () async throws -> T) async rethrows -> T {
        let started = ContinuousClock.now
        let value = try await body()
        let elapsed = ContinuousClock.now - started
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        print("probe timing: \(what): \(String(format: "%.2f", seconds)) s")
        return value
    }

    @Test func presentHostAnswersWithItsMAC() async throws {
        try await TestLAN.with(name: TestLAN.uniqueName(prefix: "pa")) { lab in
            let scanner = try await scanner(lab)
            let report = await timed("present host, present witness (with wake-up)") {
                await scanner.probe(address: lab.host(2).ip, witnesses: [lab.host(5).ip])
            }
            #expect(report == .answered(mac: lab.host(2).mac))
            // Within the wake interval: no wake-up this time.
            let again = await timed("present host, present witness (no wake-up)") {
                await scanner.probe(address: lab.host(2).ip, witnesses: [lab.host(5).ip])
            }
            #expect(again == .answered(mac: lab.host(2).mac))
        }
    }

    @Test func addressNobodyHasIsNoAnswerWhileTheWitnessAnswers() async throws {
        try await TestLAN.with(name: TestLAN.uniqueName(prefix: "pb")) { lab in
            let scanner = try await scanner(lab)
            let nobody = lab.subnet.replacingOccurrences(of: "0/24", with: "99")
            #expect(!lab.hosts.contains { $0.ip == nobody })
            let report = await timed("absent address, present witness") {
                await scanner.probe(address: nobody, witnesses: [lab.host(5).ip])
            }
            #expect(report == .noAnswer)

            // For comparison: the single -sn run that was the re-probe before.
            let single = await timed("absent address, single -sn run (before)") { await scanner.probe(address: nobody) }
            #expect(single.result?.hosts.isEmpty == true)
        }
    }

    @Test func networkDownIsUnwitnessed() async throws {
        try await TestLAN.with(name: TestLAN.uniqueName(prefix: "pc")) { lab in
            let scanner = try await scanner(lab)
            try await lab.setSwitch(on: false)
            let report = await timed("network down (switch off)") {
                await scanner.probe(address: lab.host(2).ip, witnesses: [lab.host(5).ip])
            }
            #expect(report == .unwitnessed)
            // The single -sn run could not tell this from a departure.
            #expect(await scanner.probe(address: lab.host(2).ip).result?.hosts.isEmpty == true)

            try await lab.setSwitch(on: true)
            #expect(await scanner.probe(address: lab.host(2).ip, witnesses: [lab.host(5).ip]) == .answered(mac: lab.host(2).mac))
        }
    }

    /// Host 1 (the lab's iPhone) dozes: it ignores ARP until a unicast frame reaches it. The
    /// single -sn run that was the re-probe before finds nothing; the wake-up wakes it and the probe
    /// that follows gets its answer.
    @Test func sleepingPhoneIsWokenAndAnswers() async throws {
        try await TestLAN.with(name: TestLAN.uniqueName(prefix: "pd")) { lab in
            let phone = lab.host(1)
            let log = FileManager.default.temporaryDirectory.appendingPathComponent("nmap2mqtt-\(lab.name)-phone.log").path
            try? FileManager.default.removeItem(atPath: log)
            defer { try? FileManager.default.removeItem(atPath: log) }
            let sleeper = try ChildProcess(
                "ip", ["netns", "exec", phone.namespace, "python3", "-c", Self.sleepingPhone, phone.ip, lab.scannerIP],
                outputFile: log)
            try await waitFor("the phone to doze", log: log) { $0.contains("asleep") }
            // The scanner's kernel still knows the phone's MAC, from the phone's own ARP request.
            let neighbours = try String(contentsOfFile: lab.neighbourTablePath, encoding: .utf8)
            #expect(neighbours.contains(phone.ip), "\(neighbours)")

            let scanner = try await scanner(lab)
            let before = await timed("dozing phone, single -sn run (before)") { await scanner.probe(address: phone.ip) }
            #expect(before.result?.hosts.isEmpty == true, "the dozing phone answered the old probe: \(before)")
            #expect(!((try? String(contentsOfFile: log, encoding: .utf8)) ?? "").contains("woken"))

            let report = await timed("dozing phone, present witness") {
                await scanner.probe(address: phone.ip, witnesses: [lab.host(2).ip])
            }
            #expect(report == .answered(mac: phone.mac))
            let said = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
            #expect(said.contains("woken by udp port 5353"), "\(said)")
            withExtendedLifetime(sleeper) {}
        }
    }

    func waitFor(_ what: String, log: String, _ done: (String) -> Bool) async throws {
        let deadline = ContinuousClock.now + .seconds(20)
        while ContinuousClock.now < deadline {
            if done((try? String(contentsOfFile: log, encoding: .utf8)) ?? "") { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw HarnessError("timed out waiting for \(what); it said: \((try? String(contentsOfFile: log, encoding: .utf8)) ?? "")")
    }

    /// A dozing phone, run inside its namespace: `python3 -c SCRIPT OWN_IP SCANNER_IP`.
    ///
    /// What it emulates: on Wi-Fi a dozing phone skips the beacons that carry broadcast frames, so it
    /// misses ARP requests (nmap's ARP ping is broadcast), while a unicast frame for its MAC is
    /// announced in every beacon and wakes it; awake, it answers ARP again. So: it ignores ARP
    /// (arp_ignore=8) until the first unicast IPv4 frame for its MAC and address arrives, then answers
    /// ARP (arp_ignore=0). It watches on an AF_PACKET socket, which sees every frame whatever it is
    /// for; it logs what woke it, so the test can tell the wake-up did.
    ///
    /// A unicast frame can only be sent to a MAC the sender knows without ARP: before dozing, the
    /// phone asks for the scanner's MAC once, as a phone does when it talks to that machine, so the
    /// scanner's kernel holds the phone's MAC (a neighbour entry) and nmap's wake-up can use it.
    static let sleepingPhone = #"""
        import socket, struct, sys, time
        ip, scanner_ip = sys.argv[1], sys.argv[2]
        def arp_ignore(value):
            with open("/proc/sys/net/ipv4/conf/eth0/arp_ignore", "w") as f:
                f.write(value)
        s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0003))
        s.bind(("eth0", 0))
        mac = bytes.fromhex(open("/sys/class/net/eth0/address").read().strip().replace(":", ""))
        # Awake, it asks who has the scanner's address; the scanner's kernel learns the phone's MAC.
        request = struct.pack("!HHBBH6s4s6s4s", 1, 0x0800, 6, 4, 1, mac, socket.inet_aton(ip), bytes(6),
                              socket.inet_aton(scanner_ip))
        s.send(b"\xff" * 6 + mac + b"\x08\x06" + request)
        time.sleep(0.3)
        arp_ignore("8")
        print("asleep", flush=True)
        while True:
            frame, (_, proto, pkttype, _, _) = s.recvfrom(65535)
            if pkttype != socket.PACKET_HOST or proto != 0x0800 or len(frame) < 34:
                continue
            if frame[30:34] != socket.inet_aton(ip):
                continue
            header = (frame[14] & 0x0F) * 4
            what = "ip protocol %d" % frame[23]
            if frame[23] == 17:
                what = "udp port %d" % struct.unpack("!H", frame[14 + header + 2:14 + header + 4])[0]
            arp_ignore("0")
            print("woken by " + what, flush=True)
            break
        """#
}
