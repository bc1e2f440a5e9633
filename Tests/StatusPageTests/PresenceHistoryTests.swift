import Foundation
import Testing

@testable import StatusPage

@Suite struct PresenceHistoryTests {
    let t0 = StatusFixtures.noon
    func at(_ hours: Double) -> Date { StatusFixtures.at(hours) }

    @Test func repeatsAreIgnored() {
        var history = PresenceHistory()
        history.recordStart(at: at(0))
        history.record("a", .home, at: at(1))
        history.record("a", .home, at: at(2))
        history.record("a", .notHome, at: at(3))
        #expect(history.entries.count == 3)
        #expect(history.currentState(of: "a") == .notHome)
        #expect(history.currentState(of: "b") == nil)
    }

    @Test func aClockStepBackKeepsTheOrder() {
        var history = PresenceHistory()
        history.recordStart(at: at(5))
        history.record("a", .home, at: at(1))
        #expect(history.entries.map(\.at) == [at(5), at(5)])
    }

    @Test func oldEntriesFoldIntoTheBaseline() {
        var history = PresenceHistory(limits: .init(retention: 7 * 86400))
        history.recordStart(at: at(0), states: ["desk": .home, "phone": .home])
        history.record("phone", .notHome, at: at(1))
        history.markAlive(at: at(10 * 24))
        #expect(history.entries.isEmpty)
        let baseline = try! #require(history.baseline)
        #expect(baseline.watching)
        #expect(baseline.home == ["desk"])
        #expect(baseline.at == at(3 * 24))
        #expect(history.currentState(of: "desk") == .home)
        #expect(history.isWatching)
        // The desktop home for ten days still draws home all day.
        let line = history.timeline(for: ["desk", "phone"], now: at(10 * 24))
        #expect(line["desk"] == [TimelineSpan(from: at(9 * 24), to: at(10 * 24), state: .home)])
        #expect(line["phone"] == [TimelineSpan(from: at(9 * 24), to: at(10 * 24), state: .away)])
    }

    @Test func theCapDropsTheOldestFirst() {
        var history = PresenceHistory(limits: .init(maximumEntries: 100))
        history.recordStart(at: at(0))
        for minute in 1...500 {
            history.record("flappy", minute % 2 == 0 ? .home : .notHome, at: at(Double(minute) / 60))
        }
        #expect(history.entries.count == 100)
        #expect(history.entries.first?.at == at(401.0 / 60))
        #expect(history.baseline?.watching == true)
        // The last dropped entry, minute 400, said home.
        #expect(history.baseline?.home == ["flappy"])
        #expect(history.baseline?.at == at(400.0 / 60))
        #expect(history.currentState(of: "flappy") == .home)
    }

    @Test func aStartAfterACrashClosesTheWatchedTimeAtTheLastSignOfLife() {
        var history = PresenceHistory()
        history.recordStart(at: at(0), states: ["a": .home])
        history.markAlive(at: at(2))
        // The daemon crashed after 2 h and came back at 5 h.
        history.recordStart(at: at(5), states: ["a": .home])
        #expect(history.entries.map(\.event) == [.start, .change(id: "a", state: .home), .stop, .start])
        #expect(history.entries[2].at == at(2))
        let line = history.timeline(for: ["a"], now: at(6), window: 6 * 3600)
        #expect(
            line["a"] == [
                TimelineSpan(from: at(0), to: at(2), state: .home),
                TimelineSpan(from: at(2), to: at(5), state: .unknown),
                TimelineSpan(from: at(5), to: at(6), state: .home),
            ])
    }

    @Test func forgetRemovesEveryTrace() {
        var history = PresenceHistory(limits: .init(maximumEntries: 3))
        history.recordStart(at: at(0), states: ["a": .home, "b": .home])
        history.record("a", .notHome, at: at(1))
        history.record("a", .home, at: at(2))
        history.forget("a")
        #expect(history.currentState(of: "a") == nil)
        #expect(!history.entries.contains { if case .change("a", _) = $0.event { true } else { false } })
        #expect(history.baseline?.home.contains("a") != true)
    }

    @Test func aStopWhenNotWatchingIsIgnored() {
        var history = PresenceHistory()
        history.recordStop(at: at(1))
        #expect(history.entries.isEmpty)
        #expect(!history.isWatching)
    }
}
