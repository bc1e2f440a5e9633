import Foundation

@testable import Presence

/// The injected clock: a wall clock the test advances by hand, and the monotonic reading the bridge
/// would take beside it. They move together, except when a test steps the wall clock or restarts the run.
struct FakeClock {
    /// 2026-11-26T15:00:00Z, a whole second, so ISO 8601 text in reasons is predictable.
    static let start = Date(timeIntervalSince1970: 1_795_705_200)

    /// The wall clock.
    var now: Date
    /// The wall time at which monotonic time would read zero (moves with wall-clock steps and restarts).
    private var elapsedOrigin: Date

    init(_ now: Date = FakeClock.start) {
        self.now = now
        elapsedOrigin = FakeClock.start
    }

    mutating func advance(_ seconds: TimeInterval) {
        now = now.addingTimeInterval(seconds)
    }

    /// The wall clock jumps; monotonic time goes on as if nothing happened.
    mutating func stepWall(by seconds: TimeInterval) {
        now = now.addingTimeInterval(seconds)
        elapsedOrigin = elapsedOrigin.addingTimeInterval(seconds)
    }

    /// A new run of the bridge: monotonic time starts again from zero now.
    mutating func newRun() {
        elapsedOrigin = now
    }

    /// Now, on both clocks.
    var moment: Moment { moment(at: now) }

    /// The moment at wall time `date` (no step in between).
    func moment(at date: Date) -> Moment {
        Moment(elapsed: date.timeIntervalSince(elapsedOrigin), wall: date)
    }

    /// The wall time at which monotonic time reads `elapsed`.
    func date(atElapsed elapsed: Double) -> Date {
        elapsedOrigin.addingTimeInterval(elapsed)
    }

    /// `start + seconds`.
    static func at(_ seconds: TimeInterval) -> Date {
        start.addingTimeInterval(seconds)
    }

    /// The moment `start + seconds` of a run that began at `start`, with no wall-clock step.
    static func moment(_ seconds: TimeInterval) -> Moment {
        Moment(elapsed: seconds, wall: at(seconds))
    }
}
