import Foundation
import TestSupport
import Testing

@testable import StatusPage

@Suite struct TimelineTests {
    func at(_ hours: Double) -> Date { StatusFixtures.at(hours) }

    /// The spans cover the window with no gap or overlap, oldest first.
    func expectContiguous(
        _ spans: [TimelineSpan], from start: Date, to end: Date,
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        #expect(spans.first?.from == start, sourceLocation: sourceLocation)
        #expect(spans.last?.to == end, sourceLocation: sourceLocation)
        for (left, right) in zip(spans, spans.dropFirst()) {
            #expect(left.to == right.from, sourceLocation: sourceLocation)
            #expect(left.state != right.state, "equal neighbours are merged", sourceLocation: sourceLocation)
        }
    }

    @Test func aDeviceThatLeft() {
        let now = at(24)
        var history = PresenceHistory()
        history.recordStart(at: at(-2), states: ["bob": .home])
        history.record("bob", .notHome, at: at(22))
        let line = history.timeline(for: ["bob"], now: now)["bob"]!
        #expect(
            line == [
                TimelineSpan(from: at(0), to: at(22), state: .home),
                TimelineSpan(from: at(22), to: at(24), state: .away),
            ])
    }

    @Test func timeBeforeTheHistoryAndBetweenRunsIsUnknown() {
        let now = at(24)
        var history = PresenceHistory()
        history.recordStart(at: at(6), states: ["a": .home])
        history.record("a", .notHome, at: at(9))
        history.recordStop(at: at(12))
        history.recordStart(at: at(15), states: ["a": .home])
        let line = history.timeline(for: ["a"], now: now)["a"]!
        #expect(
            line == [
                TimelineSpan(from: at(0), to: at(6), state: .unknown),
                TimelineSpan(from: at(6), to: at(9), state: .home),
                TimelineSpan(from: at(9), to: at(12), state: .away),
                TimelineSpan(from: at(12), to: at(15), state: .unknown),
                TimelineSpan(from: at(15), to: at(24), state: .home),
            ])
        expectContiguous(line, from: at(0), to: now)
    }

    @Test func aDeviceNeverSeenWhileWatchingIsAway() {
        var history = PresenceHistory()
        history.recordStart(at: at(0))
        history.record("new", .home, at: at(20))
        let line = history.timeline(for: ["new", "ghost"], now: at(24))
        #expect(
            line["new"] == [
                TimelineSpan(from: at(0), to: at(20), state: .away),
                TimelineSpan(from: at(20), to: at(24), state: .home),
            ])
        #expect(line["ghost"] == [TimelineSpan(from: at(0), to: at(24), state: .away)])
    }

    @Test func anEmptyHistoryIsAllUnknown() {
        let line = PresenceHistory().timeline(for: ["a"], now: at(24))
        #expect(line["a"] == [TimelineSpan(from: at(0), to: at(24), state: .unknown)])
    }

    @Test func entriesAfterNowAreIgnored() {
        var history = PresenceHistory()
        history.recordStart(at: at(0), states: ["a": .home])
        history.record("a", .notHome, at: at(30))
        let line = history.timeline(for: ["a"], now: at(24))
        #expect(line["a"] == [TimelineSpan(from: at(0), to: at(24), state: .home)])
    }

    @Test func manyChangesStayContiguousAndMerged() {
        var history = PresenceHistory()
        history.recordStart(at: at(-30))
        var random = SplitMix64(seed: 42)
        var time = -30.0
        for _ in 0..<2000 {
            time += Double(random.next() % 100) / 100
            switch random.next() % 7 {
            case 0: history.recordStop(at: at(time))
            case 1: history.recordStart(at: at(time))
            default: history.record("d\(random.next() % 3)", random.next() % 2 == 0 ? .home : .notHome, at: at(time))
            }
        }
        let now = at(time + 1)
        let lines = history.timeline(for: ["d0", "d1", "d2"], now: now)
        for id in ["d0", "d1", "d2"] {
            expectContiguous(lines[id]!, from: now.addingTimeInterval(-86400), to: now)
        }
    }

    @Test func theHouseholdFixture() {
        let now = at(24)
        let (history, devices, _) = StatusFixtures.household(now: now)
        let lines = history.timeline(for: devices.map(\.id), now: now)
        let bob = lines["AA:BB:CC:00:00:02"]!
        #expect(bob.map(\.state) == [.home, .unknown, .home, .away])
        #expect(bob.last == TimelineSpan(from: at(22), to: at(24), state: .away))
        let alice = lines["AA:BB:CC:00:00:01"]!
        #expect(alice.map(\.state) == [.home, .away, .home, .unknown, .home])
    }
}
