import Foundation

/// A moment as the engine sees it: a monotonic reading for every decision, and the wall clock only to
/// label what is published (`last_seen`, reasons).
///
/// `elapsed` never jumps: the bridge takes it from a monotonic clock, counted from the start of the run.
/// A step of the wall clock (NTP after boot, a manual change) therefore moves labels, never decisions.
public struct Moment: Sendable, Hashable {
    /// Monotonic seconds since an origin fixed for the run (the bridge: its start).
    public var elapsed: TimeInterval
    /// The wall clock at the same moment.
    public var wall: Date

    public init(elapsed: TimeInterval, wall: Date) {
        self.elapsed = elapsed
        self.wall = wall
    }

    /// This moment moved on by `seconds`, on both clocks.
    public func advanced(by seconds: TimeInterval) -> Moment {
        Moment(elapsed: elapsed + seconds, wall: wall.addingTimeInterval(seconds))
    }
}
