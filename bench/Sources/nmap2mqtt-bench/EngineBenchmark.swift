import ArgumentParser
import Foundation
import Presence

/// What the bridge asks of the presence engine after each scan, over a large household: take in the
/// scan, find the next decision, list the due re-probes and resolve them, list the `home_interval`
/// excludes. Sightings are built before the clock starts (the scanner makes them, not the engine).
///
/// The scenario, 12 s between scans: every step one device in a hundred is missing (a different
/// hundredth each time, so none stays away long enough to depart), one in a hundred is on a new IP,
/// and a fixed hundredth left for good at the start, so that after `consider_home` their re-probes
/// fall due and they depart: arrivals, updates, due probes and departures all happen in the run.
/// With `--targets N` the household is split over N scan targets, scanned in turn (each every N steps),
/// so one step is one target's scan: the engine's cost per step with several targets.
struct EngineBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "engine", abstract: "Time one scan step of the presence engine over N devices.")

    @Argument(help: "Devices in the household.")
    var devices: Int = 10_000

    @Option(help: "Timed steps after the first (all arrivals) and one warm-up step.")
    var steps: Int = 60

    @Option(
        help:
            "Scan targets the household is split over (device i in target i mod N); each step scans one target, in turn, so each is scanned every N steps."
    )
    var targets: Int = 1

    func run() throws {
        guard devices >= 100 else { throw ValidationError("use at least 100 devices, not \(devices)") }
        guard (1...16).contains(targets) else { throw ValidationError("use 1 to 16 targets, not \(targets)") }
        let targetCount = targets
        var configuration = PresenceConfiguration(considerHome: .seconds(180), homeInterval: .zero)
        if targetCount > 1 {
            configuration.targets = Array(
                repeating: PresenceTarget(considerHome: .seconds(180), scanInterval: .seconds(12 * targetCount)), count: targetCount)
        }
        var engine = PresenceEngine(configuration: configuration)
        let clock = ContinuousClock()
        var now = Moment(elapsed: 0, wall: Date(timeIntervalSince1970: 1_800_000_000))
        let hundredth = devices / 100

        func sightings(step: Int) -> [Sighting] {
            var list: [Sighting] = []
            list.reserveCapacity(devices)
            let missing = (step % 99 + 1) * hundredth // one rotating hundredth, never the first
            let moved = ((step + 50) % 99 + 1) * hundredth
            // The first step of each target sees all of its devices arrive.
            let leaving = step >= targetCount
            for index in 0..<devices where index % targetCount == step % targetCount {
                if leaving && index < hundredth { continue } // the first hundredth left for good
                if leaving && index >= missing && index < missing + hundredth { continue }
                let renumbered = leaving && index >= moved && index < moved + hundredth
                let host = renumbered ? (index + step * 7) % 65_000 : index
                list.append(
                    Sighting(
                        mac: String(format: "3C:22:FB:%02X:%02X:%02X", (index >> 16) & 0xFF, (index >> 8) & 0xFF, index & 0xFF),
                        ip: "198.18.\(host / 250).\(host % 250 + 1)", hostName: index % 3 == 0 ? "host-\(index).lab" : nil,
                        vendor: "Apple", reason: "arp-response"))
            }
            return list
        }

        var times: [Double] = []
        var arrived = 0
        var departed = 0
        var updated = 0
        var probes = 0
        for step in 0...(steps + targetCount) {
            let scan = sightings(step: step)
            let started = clock.now
            var changes = engine.apply(.complete(scan), startedAt: now, at: now, target: step % targetCount)
            let plan = engine.next(at: now)
            let due = plan.probes
            changes += plan.changes
            for request in due {
                changes += engine.resolve(request, .noAnswer, at: now)
            }
            _ = engine.excludedAddresses(at: now)
            let took = clock.now - started
            if step >= targetCount + 1 { times.append(took.seconds) }
            probes += due.count
            for change in changes {
                switch change {
                case .arrived: arrived += 1
                case .departed: departed += 1
                case .updated: updated += 1
                }
            }
            now = now.advanced(by: 12)
        }
        guard departed == hundredth, arrived >= devices else {
            throw ValidationError("the scenario went wrong: \(arrived) arrivals, \(departed) departures (expected \(hundredth))")
        }
        times.sort()
        let memory = ProcessMemory.current()
        JSONLine.print([
            "devices": devices, "targets": targetCount, "steps": times.count, "median_seconds": times[times.count / 2],
            "max_seconds": times.last ?? 0, "min_seconds": times.first ?? 0, "arrived": arrived, "departed": departed,
            "updated": updated, "probes": probes, "peak_rss_kib": memory.peakResidentKiB,
        ])
    }
}
