import Foundation

@testable import Presence

/// The engine driven with plain dates of one run without wall-clock steps (`FakeClock.moment`), for tests
/// that look at one step at a time. Scans take no time here; `Household` runs whole timelines.
extension PresenceEngine {
    mutating func apply(_ outcome: ScanOutcome, at date: Date) -> [PresenceChange] {
        apply(outcome, startedAt: FakeClock.moment(date), at: FakeClock.moment(date))
    }

    mutating func resolve(_ request: ProbeRequest, _ result: ProbeResult, at date: Date) -> [PresenceChange] {
        resolve(request, result, at: FakeClock.moment(date))
    }

    func excludedAddresses(at date: Date) -> [String] {
        excludedAddresses(at: FakeClock.moment(date))
    }

    /// The re-probes the engine asks for at `date` (departures it decides then are dropped: use `next`).
    func probesDue(at date: Date) -> [ProbeRequest] {
        var copy = self
        return copy.next(at: FakeClock.moment(date)).probes
    }

    /// Scans every `interval` seconds from `from` to `to` (both included), each seeing `sightings`.
    mutating func scan(every interval: TimeInterval, from: TimeInterval, to: TimeInterval, seeing sightings: [Sighting] = []) -> [PresenceChange] {
        var changes: [PresenceChange] = []
        var time = from
        while time <= to {
            changes += apply(.complete(sightings), at: FakeClock.at(time))
            time += interval
        }
        return changes
    }
}

extension FakeClock {
    /// The moment at `date` of a run that began at `start`.
    static func moment(_ date: Date) -> Moment {
        Moment(elapsed: date.timeIntervalSince(start), wall: date)
    }
}
