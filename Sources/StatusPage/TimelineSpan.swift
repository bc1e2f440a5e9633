#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A stretch of one device's timeline in which nothing changed.
public struct TimelineSpan: Sendable, Equatable {
    /// What the timeline shows for a span.
    public enum State: String, Sendable, Hashable, CaseIterable {
        /// The bridge was watching and the device was home.
        case home
        /// The bridge was watching and the device was away (or not yet known to it).
        case away
        /// The bridge was not running, or its history does not reach back this far.
        case unknown
    }

    /// Where the span starts (inclusive).
    public var from: Date
    /// Where the span ends (exclusive); the next span starts here.
    public var to: Date
    public var state: State

    public init(from: Date, to: Date, state: State) {
        self.from = from
        self.to = to
        self.state = state
    }

    /// The span's length in seconds.
    public var duration: Double { to.timeIntervalSince(from) }
}
