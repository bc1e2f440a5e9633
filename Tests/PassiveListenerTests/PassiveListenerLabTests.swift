import Foundation
import Glibc
import Logging
import NetworkAddresses
import PassiveListener
import TestSupport
import Testing

/// The listener as it is used: opened inside a test LAN's scanner namespace (`NetworkNamespace`),
/// hearing what the lab's hosts send (`FrameSender`). Nothing is sent or heard outside the lab's
/// namespaces. Root only; skipped with the reason where a lab cannot be built, except on CI.
@Suite(.serialized, .enabled(if: TestLAN.shouldRun, Comment(rawValue: TestLAN.unavailableReason ?? "")))
struct PassiveListenerLabTests {
    let logger = Logger(label: "test.passive")

    func open(
        _ lab: TestLAN, _ configuration: PassiveListenerConfiguration = PassiveListenerConfiguration(), logger: Logger? = nil,
        withoutNetRaw: Bool = false
    ) async throws -> (PassiveListener, eth0: Int32) {
        let logger = logger ?? self.logger
        return try await NetworkNamespace.run(in: lab.scannerNamespace, withoutNetRaw: withoutNetRaw) {
            (try PassiveListener.open(configuration, logger: logger), Int32(bitPattern: if_nametoindex("eth0")))
        }
    }

    // MARK: Packet socket

    /// How fast is for the benchmark (bench/arrival); here, that both frames are heard and decoded right.
    @Test func aJoiningPhoneIsHeard() async throws {
        try await TestLAN.with(name: TestLAN.uniqueName(prefix: "pa")) { lab in
            let (listener, eth0) = try await open(lab)
            #expect(listener.source == .packetSocket)
            #expect(listener.interfaces.isEmpty)
            let recorder = SightingRecorder(listener)
            let phone = lab.host(1)
            let mac = try #require(MACAddress(phone.mac))
            let ip = try #require(IPv4Address(phone.ip))

            try await FrameSender.send(in: phone.namespace, ["dhcp-request,\(phone.mac),\(phone.ip),annas-iphone", "garp,\(phone.mac),\(phone.ip)"])
            let heard = await recorder.wait(within: .seconds(10)) { sightings in
                sightings.contains { $0.kind == .dhcpRequest } && sightings.contains { $0.kind == .arpAnnouncement }
            }
            #expect(heard, "heard only \(recorder.sightings)")
            let dhcp = recorder.sightings.first { $0.kind == .dhcpRequest }
            #expect(dhcp == PassiveSighting(mac: mac, requestedIP: ip, hostName: "annas-iphone", kind: .dhcpRequest, interfaceIndex: eth0))
            #expect(dhcp?.mac.description == phone.mac)
            #expect(dhcp?.address?.description == phone.ip)
            let arp = recorder.sightings.first { $0.kind == .arpAnnouncement }
            #expect(arp == PassiveSighting(mac: mac, ip: ip, kind: .arpAnnouncement, interfaceIndex: eth0))
            // Nothing else from the phone, nothing from anyone else (the hosts are quiet; IPv6 chatter is filtered).
            #expect(recorder.sightings.count == 2, "\(recorder.sightings)")
            listener.stop()
        }
    }

    @Test func aStormFromOneMACPassesOnAHandful() async throws {
        try await TestLAN.with(name: TestLAN.uniqueName(prefix: "pb")) { lab in
            let (listener, _) = try await open(lab, PassiveListenerConfiguration(interfaces: ["eth0"]))
            #expect(listener.interfaces == ["eth0"])
            let recorder = SightingRecorder(listener)
            let host = lab.host(2)
            let frames = 20_000
            let cpuBefore = Self.processCPU()
            let threadsBefore = Self.threadCPU()
            let rssBefore = Self.residentKB()
            let started = ContinuousClock.now
            try await FrameSender.send(in: host.namespace, ["storm,\(host.mac),\(host.ip),\(frames)"])
            let sendTime = ContinuousClock.now - started
            // Wait until the reader has caught up (nothing new read for 200 ms).
            var last = listener.statistics.framesRead
            while true {
                try await Task.sleep(for: .milliseconds(200))
                let now = listener.statistics.framesRead
                if now == last { break }
                last = now
            }
            let cpu = Self.processCPU() - cpuBefore
            let threadsAfter = Self.threadCPU()
            // The reader collects the kernel's drop count a second after the last frames.
            try await Task.sleep(for: .milliseconds(1100))
            // The reader is the thread that worked hardest meanwhile (the test's own threads mostly sleep).
            let reader = threadsAfter.map { $0.value - (threadsBefore[$0.key] ?? 0) }.max() ?? 0
            let statistics = listener.statistics
            let fromHost = recorder.sightings.filter { $0.mac.description == host.mac }
            print(
                """
                storm: \(frames) ARP frames sent in \(sendTime); read \(statistics.framesRead), kernel drops \
                \(statistics.kernelDrops), decoded \(statistics.sightingsDecoded), passed \(statistics.sightingsPassed); \
                process CPU \(cpu) ms, busiest thread \(reader) ms; RSS \(rssBefore) → \(Self.residentKB()) KB
                """)
            #expect(statistics.framesRead + statistics.kernelDrops >= UInt64(frames) / 2, "the filter let the ARP frames through")
            #expect(!fromHost.isEmpty)
            // One a second, and sending 20,000 frames takes Python well under 4 s here.
            #expect(fromHost.count <= 1 + Int(sendTime.components.seconds) + 1, "\(fromHost.count) sightings")
            #expect(statistics.trackedAddresses == 1)

            // Still listening, at once: another host's join right after the storm.
            let phone = lab.host(1)
            try await FrameSender.send(in: phone.namespace, ["dhcp-request,\(phone.mac),\(phone.ip),annas-iphone"])
            #expect(await recorder.wait(within: .seconds(10)) { $0.contains { $0.hostName == "annas-iphone" } })
        }
    }

    @Test func framesFromManyRandomMACsKeepTheTableWithinItsCap() async throws {
        try await TestLAN.with(name: TestLAN.uniqueName(prefix: "pc")) { lab in
            let cap = 500
            let (listener, _) = try await open(lab, PassiveListenerConfiguration(trackedAddressLimit: cap, bufferSize: 100))
            let recorder = SightingRecorder(listener)
            let rssBefore = Self.residentKB()
            try await FrameSender.send(in: lab.host(3).namespace, ["random-macs,198.18.42,3000,7", "random-macs,198.18.42,3000,8"])
            let caughtUp = await recorder.wait(within: .seconds(5)) { _ in listener.statistics.sightingsDecoded >= 5_000 }
            let statistics = listener.statistics
            print(
                "random MACs: decoded \(statistics.sightingsDecoded), passed \(statistics.sightingsPassed), tracked \(statistics.trackedAddresses), kernel drops \(statistics.kernelDrops); RSS \(rssBefore) → \(Self.residentKB()) KB"
            )
            #expect(caughtUp)
            #expect(statistics.trackedAddresses == cap)
            // Every new MAC is news, so they are all passed on; the consumer's buffer keeps the newest.
            #expect(statistics.sightingsPassed == statistics.sightingsDecoded)
        }
    }

    @Test func ownTaggedAndServerFramesAreNotHeard() async throws {
        try await TestLAN.with(name: TestLAN.uniqueName(prefix: "pd")) { lab in
            let (listener, _) = try await open(lab, PassiveListenerConfiguration(interfaces: ["eth0"]))
            let recorder = SightingRecorder(listener)
            let host = lab.host(2)
            // The scanner's own gratuitous ARP (outgoing), a tagged one from a host (the kernel moves the tag to
            // metadata, the filter drops it), then an ordinary one, which must be heard.
            try await FrameSender.send(in: lab.scannerNamespace, ["garp,\(lab.scannerMAC),\(lab.scannerIP)"])
            try await FrameSender.send(in: host.namespace, ["vlan-garp,\(host.mac),198.18.42.99,10", "garp,\(host.mac),\(host.ip)"])
            #expect(await recorder.wait(within: .seconds(10)) { $0.contains { $0.ip?.description == host.ip } })
            try await Task.sleep(for: .milliseconds(100))
            #expect(!recorder.sightings.contains { $0.mac.description == lab.scannerMAC }, "\(recorder.sightings)")
            #expect(!recorder.sightings.contains { $0.ip?.description == "198.18.42.99" }, "\(recorder.sightings)")
            #expect(recorder.sightings.count == 1)
        }
    }

    @Test func stopEndsTheStream() async throws {
        try await TestLAN.with(name: TestLAN.uniqueName(prefix: "pe")) { lab in
            for configuration in [PassiveListenerConfiguration(), PassiveListenerConfiguration(source: .neighbourTable)] {
                let (listener, _) = try await open(lab, configuration)
                let recorder = SightingRecorder(listener)
                try await Task.sleep(for: .milliseconds(50))
                #expect(listener.statistics.isRunning)
                listener.stop()
                #expect(await recorder.waitForEnd(within: .seconds(10)))
                #expect(!listener.statistics.isRunning)
                listener.stop() // idempotent
            }
        }
    }

    @Test func anInterfaceTheNamespaceLacksIsTheCallersMistake() async throws {
        try await TestLAN.with(name: TestLAN.uniqueName(prefix: "pf")) { lab in
            do {
                _ = try await open(lab, PassiveListenerConfiguration(interfaces: ["eth0", "wlan7"]))
                Issue.record("opened a listener on a missing interface")
            } catch let error as PassiveListenerError {
                #expect(error.kind == .noSuchInterface)
                #expect(error.value == "wlan7")
                #expect(error.message.contains("no interface 'wlan7'"))
            }
        }
    }

    // MARK: Neighbour table

    @Test func theNeighbourTableHearsHostsThisHostTalksTo() async throws {
        try await TestLAN.with(name: TestLAN.uniqueName(prefix: "pg")) { lab in
            let (listener, eth0) = try await open(lab, PassiveListenerConfiguration(source: .neighbourTable))
            #expect(listener.source == .neighbourTable)
            let recorder = SightingRecorder(listener)
            let kitchen = lab.host(2)
            let pixel = lab.host(3)
            // The scanner talks to h2 (ARP, reply: REACHABLE); h3 talks to the scanner (its ARP request: STALE, learned).
            try await FrameSender.send(in: lab.scannerNamespace, ["udp,\(kitchen.ip)"])
            try await FrameSender.send(in: pixel.namespace, ["udp,\(lab.scannerIP)"])
            let heard = await recorder.wait(within: .seconds(2)) { sightings in
                sightings.contains { $0.mac.description == kitchen.mac } && sightings.contains { $0.mac.description == pixel.mac }
            }
            #expect(heard, "heard \(recorder.sightings)")
            #expect(
                recorder.sightings.first { $0.mac.description == kitchen.mac }
                    == PassiveSighting(
                        mac: try #require(MACAddress(kitchen.mac)), ip: IPv4Address(kitchen.ip), kind: .neighbour, interfaceIndex: eth0))
            #expect(recorder.sightings.first { $0.mac.description == pixel.mac }?.ip?.description == pixel.ip)
            #expect(recorder.sightings.allSatisfy { $0.kind == .neighbour })
        }
    }

    @Test func withoutNetRawItFallsBackToTheNeighbourTableAndSaysWhy() async throws {
        try await TestLAN.with(name: TestLAN.uniqueName(prefix: "ph")) { lab in
            let (logger, log) = RecordingLogHandler.logger()
            let (listener, _) = try await open(lab, logger: logger, withoutNetRaw: true)
            #expect(listener.source == .neighbourTable)
            #expect(
                log.messages.contains("no CAP_NET_RAW: listening to the kernel's neighbour table instead; arrivals are noticed later"),
                "\(log.messages)")
            let recorder = SightingRecorder(listener)
            let kitchen = lab.host(2)
            try await FrameSender.send(in: lab.scannerNamespace, ["udp,\(kitchen.ip)"])
            #expect(await recorder.wait(within: .seconds(2)) { $0.contains { $0.mac.description == kitchen.mac && $0.kind == .neighbour } })
            listener.stop()

            // Asked for the packet socket and nothing else, it refuses instead.
            do {
                _ = try await open(lab, PassiveListenerConfiguration(source: .packetSocket), withoutNetRaw: true)
                Issue.record("opened a packet socket without CAP_NET_RAW")
            } catch let error as PassiveListenerError {
                #expect(error.kind == .permissionDenied)
                #expect(error.message.contains("needs root or CAP_NET_RAW"), "\(error.message)")
            }
        }
    }

    // MARK: Measurements

    /// User + system CPU of this process, in milliseconds.
    static func processCPU() -> Int {
        var usage = rusage()
        getrusage(Int32(RUSAGE_SELF.rawValue), &usage)
        return (usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) * 1000 + (usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1000
    }

    /// User + system CPU of each of this process's threads, in milliseconds (clock ticks of 10 ms).
    static func threadCPU() -> [Int: Int] {
        let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/task")) ?? []
        var cpu: [Int: Int] = [:]
        for task in tasks {
            guard let tid = Int(task), let stat = try? String(contentsOfFile: "/proc/self/task/\(task)/stat", encoding: .utf8),
                let close = stat.lastIndex(of: ")")
            else { continue }
            // Fields after "(comm)": state is the 3rd, utime the 14th and stime the 15th of the whole line.
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            guard fields.count > 12, let user = Int(fields[11]), let system = Int(fields[12]) else { continue }
            cpu[tid] = (user + system) * 1000 / Int(sysconf(Int32(_SC_CLK_TCK)))
        }
        return cpu
    }

    /// Resident set size from /proc/self/statm, in KB.
    static func residentKB() -> Int {
        guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return 0 }
        let pages = text.split(separator: " ").dropFirst().first.flatMap { Int($0) } ?? 0
        return pages * Int(sysconf(Int32(_SC_PAGESIZE))) / 1024
    }
}
