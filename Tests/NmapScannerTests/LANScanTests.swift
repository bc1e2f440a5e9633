import Foundation
import Logging
import NmapScanner
import TestSupport
import Testing

/// Real nmap against a LAN of network namespaces that each test builds and removes (scripts/testlan.sh).
/// nmap runs inside the lab's scanner namespace only, through a wrapper used as `nmapPath`.
///
/// They need root. Where a lab cannot be built they are skipped with the reason, except on CI
/// (CI=true), where they run and fail.
@Suite(.enabled(if: TestLAN.shouldRun, Comment(rawValue: TestLAN.unavailableReason ?? "")))
struct LANScanTests {
    let logger = Logger(label: "test.lan")

    func scanner(
        _ lab: TestLAN, mode: TestLAN.WrapperMode = .root, options: String = ScannerConfiguration.defaultScanOptions,
        timeout: Duration = .seconds(60), neighbourTable: String? = nil
    ) async throws -> NmapScanner {
        let wrapper = FileManager.default.temporaryDirectory.appendingPathComponent("nmap2mqtt-\(lab.name)-\(mode.rawValue)").path
        try await lab.nmapWrapper(path: wrapper, mode: mode)
        return try NmapScanner(
            configuration: ScannerConfiguration(
                targets: [lab.subnet], exclude: [lab.scannerIP], scanOptions: options, nmapPath: wrapper,
                timeout: timeout, neighbourTablePath: neighbourTable ?? lab.neighbourTablePath),
            logger: logger)
    }

    /// Every host of the lab, as the scan should report it.
    func expectFound(_ result: ScanResult, _ lab: TestLAN, hosts indices: [Int] = Array(1...6), rootReason: Bool = true) {
        #expect(result.hosts.map(\.address).sorted() == indices.map { lab.host($0).ip }.sorted())
        for index in indices {
            let want = lab.host(index)
            guard let got = result.hosts.first(where: { $0.address == want.ip }) else { continue }
            #expect(got.mac == want.mac, "h\(index)")
            #expect(got.vendor == want.vendor, "h\(index)")
            #expect(got.hostName == want.hostName, "h\(index)")
            #expect(got.randomizedMAC == want.randomizedMAC, "h\(index)")
            if rootReason { #expect(got.reason == "arp-response", "h\(index)") }
        }
    }

    @Test func ciHasATestLAN() {
        if TestLAN.isCI { #expect(TestLAN.isAvailable, "\(TestLAN.unavailableReason ?? "")") }
    }

    @Test func rootScanFindsEveryHostWithMACAndVendor() async throws {
        try await TestLAN.with(name: TestLAN.uniqueName(prefix: "sa")) { lab in
            let report = await (try await scanner(lab)).scan()
            let result = try #require(report.result, "\(String(describing: report.failure))")
            expectFound(result, lab)
            // 256 addresses less the excluded ones: the scanner, and this machine's own addresses should
            // they fall in the lab's subnet (they are excluded by default even though the lab cannot reach them).
            let excludeIndex = try #require(result.argv.firstIndex(of: "--exclude"))
            let excluded = result.argv[excludeIndex + 1].split(separator: ",").filter {
                $0.hasPrefix(lab.subnet.replacingOccurrences(of: "0/24", with: ""))
            }
            #expect(excluded.first == Substring(lab.scannerIP))
            #expect(result.stats.total == 256 - excluded.count)
            // The lab's vendors are real: an Apple, a Raspberry Pi, one randomised MAC, one unknown maker.
            #expect(lab.host(1).vendor == "Apple" && lab.host(2).vendor == "Raspberry Pi Foundation")
            #expect(lab.host(3).randomizedMAC && lab.host(6).vendor == nil)
        }
    }

    @Test func hostThatLeavesIsAbsentAndFoundWhenItReturns() async throws {
        try await TestLAN.with(name: TestLAN.uniqueName(prefix: "sb")) { lab in
            let scanner = try await scanner(lab, options: "-sn")
            expectFound(try #require(await scanner.scan().result), lab)

            try await lab.leave(4)
            let without = try #require(await scanner.scan().result)
            expectFound(without, lab, hosts: [1, 2, 3, 5, 6])

            try await lab.join(4)
            expectFound(try #require(await scanner.scan().result), lab)
        }
    }

    @Test func unprivilegedScanTakesMACsFromTheNeighbourTable() async throws {
        try await TestLAN.with(name: TestLAN.uniqueName(prefix: "sc")) { lab in
            let scanner = try await scanner(lab, mode: .unprivileged, options: "-sn")
            let result = try #require(await scanner.scan().result)
            expectFound(result, lab, rootReason: false)
            #expect(result.hosts.allSatisfy { $0.reason != "arp-response" }) // nmap itself saw no MACs

            // Without the neighbour table there are no MACs at all.
            let blind = try await self.scanner(lab, mode: .unprivileged, options: "-sn", neighbourTable: "/nonexistent")
            let bare = try #require(await blind.scan().result)
            #expect(bare.hosts.count == 6)
            #expect(bare.hosts.allSatisfy { $0.mac == nil && $0.vendor == nil })
        }
    }

    @Test func netRawWithPrivilegedGivesMACsLikeRoot() async throws {
        try await TestLAN.with(name: TestLAN.uniqueName(prefix: "sd")) { lab in
            // No neighbour table: every MAC must come from nmap's own ARP.
            let scanner = try await scanner(lab, mode: .netRaw, options: "--privileged -sn", neighbourTable: "/nonexistent")
            expectFound(try #require(await scanner.scan().result), lab)
        }
    }

    @Test func scanPastItsTimeoutIsKilledAndFails() async throws {
        try await TestLAN.with(name: TestLAN.uniqueName(prefix: "se")) { lab in
            let scanner = try await scanner(
                lab, options: "-p 1-65535 --max-retries 10 --host-timeout 60s", timeout: .milliseconds(800))
            let started = ContinuousClock.now
            let report = await scanner.scan()
            // Not a speed check: the scan itself would run for a minute or more if it were not killed.
            #expect(ContinuousClock.now - started < .seconds(30))
            let failure = try #require(report.failure)
            #expect(failure.kind == .timedOut)
            #expect(failure.message.contains("killed"))
            #expect(try await lab.scannerProcesses() == [])
        }
    }

    @Test func cancellingTheScanKillsNmap() async throws {
        try await TestLAN.with(name: TestLAN.uniqueName(prefix: "sf")) { lab in
            let scanner = try await scanner(lab, options: "-p 1-65535 --max-retries 10")
            let task = Task { await scanner.scan() }
            try await Task.sleep(for: .milliseconds(700))
            #expect(try await lab.scannerProcesses().count == 1) // nmap is running
            let cancelled = ContinuousClock.now
            task.cancel()
            let report = await task.value
            // Not a speed check: the scan itself would run for minutes if nmap were not killed.
            #expect(ContinuousClock.now - cancelled < .seconds(30))
            #expect(report.failure?.kind == .cancelled)
            #expect(try await lab.scannerProcesses() == [])
        }
    }

    @Test func probeAnswersForOneAddress() async throws {
        try await TestLAN.with(name: TestLAN.uniqueName(prefix: "sg")) { lab in
            let scanner = try await scanner(lab)
            let here = try #require(await scanner.probe(address: lab.host(2).ip).result)
            #expect(here.argv.suffix(5) == ["-oX", "-", "-sn", "-n", lab.host(2).ip])
            #expect(here.hosts.count == 1)
            #expect(here.hosts.first?.mac == lab.host(2).mac)
            #expect(here.hosts.first?.vendor == lab.host(2).vendor)

            try await lab.leave(2)
            let gone = try #require(await scanner.probe(address: lab.host(2).ip).result)
            #expect(gone.hosts.isEmpty)
            #expect(gone.stats.down == 1)
        }
    }
}
