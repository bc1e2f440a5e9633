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
        /// False: a phone so deeply asleep that it misses re-probes too.
        var answersProbes = true
    }

    var clock = FakeClock()
    var engine: PresenceEngine
    var interval: TimeInterval = 12
    var scanDuration: TimeInterval = 2
    var nmap = Nmap.working
    /// The switch or access point is down: scans complete, but nothing answers, witnesses included.
    var networkDown = false
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

    mutating func join(_ sighting: Sighting, answersScans: Bool = true, answersProbes: Bool = true) {
        lan[sighting.ip] = Host(sighting: sighting, answersScans: answersScans, answersProbes: answersProbes)
    }

    mutating func leave(_ sighting: Sighting) {
        lan[sighting.ip] = nil
    }

    /// The wall clock steps by `seconds` (NTP, a clock chip-less Pi after boot); monotonic time does not.
    mutating func stepWallClock(by seconds: TimeInterval) {
        clock.stepWall(by: seconds)
        nextScanStart = nextScanStart.addingTimeInterval(seconds)
    }

    /// The bridge is stopped for `seconds`: nothing is scanned or decided, then a new run starts with the
    /// engine rebuilt from what it would have saved (monotonic time starts again from zero).
    mutating func restart(after seconds: TimeInterval, configuration: PresenceConfiguration = PresenceConfiguration()) {
        let saved = engine.devices
        clock.now = clock.now.addingTimeInterval(seconds)
        clock.newRun()
        engine = PresenceEngine(configuration: configuration, devices: saved)
        nextScanStart = clock.now
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
            // Decisions that fall before the next scan starts are taken first (the bridge runs one nmap
            // at a time: a decision falling inside a scan waits for its end).
            let plan = engine.next(at: clock.moment)
            record(plan.changes)
            if !plan.probes.isEmpty {
                probe(plan.probes)
                continue
            }
            if let wake = plan.wakeAt, wake <= clock.moment(at: scanStart).elapsed, clock.date(atElapsed: wake) <= end {
                guard wake > clock.moment.elapsed else {
                    Issue.record("next(at:) asked to be woken at \(wake), which is not later than now \(clock.moment.elapsed): the bridge would spin")
                    return
                }
                clock.now = clock.date(atElapsed: wake)
                continue
            }
            guard scanEnd <= end else { break }
            let excluded = engine.excludedAddresses(at: clock.moment(at: scanStart))
            exclusions.append((scanStart, excluded))
            let started = clock.moment(at: scanStart)
            clock.now = scanEnd
            let outcome: ScanOutcome =
                switch nmap {
                case .working:
                    .complete(
                        networkDown
                            ? []
                            : lan.values.filter { $0.answersScans && !excluded.contains($0.sighting.ip) }
                                .map(\.sighting).sorted { $0.ip < $1.ip })
                case .failing(let reason): .failed(reason: reason)
                case .hanging(let timeout): .failed(reason: "nmap killed after its \(Int(timeout)) s timeout")
                }
            record(engine.apply(outcome, startedAt: started, at: clock.moment))
            nextScanStart = scanStart.addingTimeInterval(interval)
        }
        clock.now = max(clock.now, end)
    }

    /// Runs the re-probes the engine asked for, as the bridge does: the device, then its witnesses.
    private mutating func probe(_ requests: [ProbeRequest]) {
        let now = clock.now
        for request in requests {
            let result: ProbeResult =
                switch nmap {
                case .working:
                    if networkDown {
                        .failed(reason: "no answer from \(request.address) nor any witness: the network looks down")
                    } else if let host = lan[request.address], host.answersProbes {
                        .answered(mac: host.sighting.mac)
                    } else if request.witnesses.isEmpty || request.witnesses.contains(where: { lan[$0] != nil }) {
                        .noAnswer
                    } else {
                        .failed(reason: "no answer from \(request.address) nor any witness: the network looks down")
                    }
                case .failing(let reason): .failed(reason: reason)
                case .hanging: .failed(reason: "probe killed after its timeout")
                }
            probes.append((now, request, result))
            record(engine.resolve(request, result, at: clock.moment))
        }
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
