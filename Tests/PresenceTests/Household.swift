import Foundation
import Testing
@testable import Presence

/// Drives the engine the way the bridge will: a scan starts every `interval` (never two at once), its
/// outcome is applied when it ends, and between scans departures are decided at `nextDecision()` with a
/// re-probe that this simulated LAN answers. Time comes only from the fake clock.
struct Household {
    /// How nmap behaves from now on.
    enum Nmap: Equatable {
        case working
        /// Every scan and probe fails at once with this reason.
        case failing(String)
        /// Every scan and probe hangs until killed after `timeout` seconds.
        case hanging(timeout: TimeInterval)
    }

    /// A host on the simulated LAN.
    struct Host {
        var sighting: Sighting
        /// False: a sleeping phone that misses sweeps but answers a targeted probe.
        var answersScans = true
    }

    var clock = FakeClock()
    var engine: PresenceEngine
    var interval: TimeInterval = 12
    var scanDuration: TimeInterval = 2
    var nmap = Nmap.working
    /// Keyed by IP: who answers there.
    var lan: [String: Host] = [:]
    /// Every change with the moment it was reported.
    var events: [(at: Date, change: PresenceChange)] = []
    /// The `--exclude` list of every scan, with the scan's start.
    var exclusions: [(at: Date, addresses: [String])] = []
    private(set) var probes: [(at: Date, request: ProbeRequest, result: ProbeResult)] = []
    private var nextScanStart: Date

    init(configuration: PresenceConfiguration = PresenceConfiguration(), stored: [Device] = [], start: Date = FakeClock.start) {
        engine = PresenceEngine(configuration: configuration, devices: stored)
        clock = FakeClock(start)
        nextScanStart = start
    }

    mutating func join(_ sighting: Sighting, answersScans: Bool = true) {
        lan[sighting.ip] = Host(sighting: sighting, answersScans: answersScans)
    }

    mutating func leave(_ sighting: Sighting) {
        lan[sighting.ip] = nil
    }

    /// Runs every scan and decision that happens up to `end`, then leaves the clock at `end`.
    mutating func run(until end: Date) {
        while true {
            let scanStart = max(nextScanStart, clock.now)
            let scanTime: TimeInterval =
                switch nmap {
                case .working: scanDuration
                case .failing: 0.1
                case .hanging(let timeout): timeout
                }
            let scanEnd = scanStart.addingTimeInterval(scanTime)
            if let decision = engine.nextDecision(), decision <= scanStart, decision <= end {
                guard decide(at: max(decision, clock.now)) else { return }
                continue
            }
            guard scanEnd <= end else { break }
            // The scan runs from scanStart to scanEnd; decisions falling inside it wait for its end
            // (the bridge never probes while a scan runs).
            let excluded = engine.excludedAddresses(at: scanStart)
            exclusions.append((scanStart, excluded))
            clock.now = scanEnd
            let outcome: ScanOutcome =
                switch nmap {
                case .working:
                    .complete(
                        lan.values.filter { $0.answersScans && !excluded.contains($0.sighting.ip) }
                            .map(\.sighting).sorted { $0.ip < $1.ip })
                case .failing(let reason): .failed(reason: reason)
                case .hanging(let timeout): .failed(reason: "nmap killed after its \(Int(timeout)) s timeout")
                }
            record(engine.apply(outcome, at: scanEnd))
            nextScanStart = scanStart.addingTimeInterval(interval)
        }
        clock.now = max(clock.now, end)
    }

    /// Evaluates the due departures at `now`, as the bridge does when `nextDecision()` comes.
    /// False when `nextDecision()` promised work that `probesDue` does not give: the bridge would spin.
    private mutating func decide(at now: Date) -> Bool {
        clock.now = now
        let due = engine.probesDue(at: now)
        if due.isEmpty {
            Issue.record("nextDecision() said \(engine.nextDecision()!) but probesDue(at: \(now)) is empty: the bridge would spin")
            return false
        }
        for request in due {
            let result: ProbeResult =
                switch nmap {
                case .working:
                    lan[request.address].map { .answered(mac: $0.sighting.mac) } ?? .noAnswer
                case .failing(let reason): .failed(reason: reason)
                case .hanging: .failed(reason: "probe killed after its timeout")
                }
            probes.append((now, request, result))
            record(engine.resolve(request, result, at: now))
        }
        return true
    }

    private mutating func record(_ changes: [PresenceChange]) {
        events += changes.map { (clock.now, $0) }
    }

    func departures(of id: String) -> [Date] {
        events.compactMap { if case .departed(let device) = $0.change, device.id == id { $0.at } else { nil } }
    }

    func arrivals(of id: String) -> [Date] {
        events.compactMap { if case .arrived(let device) = $0.change, device.id == id { $0.at } else { nil } }
    }
}
