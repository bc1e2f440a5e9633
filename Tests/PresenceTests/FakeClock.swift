import Foundation

/// The injected clock: a plain `Date` the test advances by hand.
struct FakeClock {
    /// 2026-11-26T15:00:00Z, a whole second, so ISO 8601 text in reasons is predictable.
    static let start = Date(timeIntervalSince1970: 1_795_705_200)

    var now: Date

    init(_ now: Date = FakeClock.start) {
        self.now = now
    }

    mutating func advance(_ seconds: TimeInterval) {
        now = now.addingTimeInterval(seconds)
    }

    /// `start + seconds`.
    static func at(_ seconds: TimeInterval) -> Date {
        start.addingTimeInterval(seconds)
    }
}
