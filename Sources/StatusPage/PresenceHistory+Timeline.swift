#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

extension PresenceHistory {
    /// The timelines of `ids` over the `window` seconds before `now`: for each device, contiguous spans
    /// from `now - window` to `now`, oldest first, equal neighbours merged.
    ///
    /// A moment is ``TimelineSpan/State/unknown`` when the bridge was not watching then (between a stop and
    /// the next start, or before the oldest thing the history knows). While watching, a device is home
    /// after a `home` change and away otherwise: one the watching bridge had not seen yet was not there.
    /// An open watched stretch (no stop yet) runs to `now`. Entries after `now` are ignored.
    public func timeline(for ids: some Sequence<String>, now: Date, window: Double = 24 * 3600)
        -> [String: [TimelineSpan]]
    {
        let start = now.addingTimeInterval(-window)
        let wanted = Set(ids)
        var watching = baseline?.watching ?? false
        var home = baseline?.home.intersection(wanted) ?? []
        var builders: [String: SpanBuilder] = [:]
        let knownFrom = baseline?.at ?? entries.first?.at ?? now
        for id in wanted {
            var builder = SpanBuilder(start: start)
            builder.move(to: knownFrom, state: .unknown)
            builders[id] = builder
        }
        func state(of id: String) -> TimelineSpan.State {
            guard watching else { return .unknown }
            return home.contains(id) ? .home : .away
        }
        for entry in entries {
            guard entry.at <= now else { break }
            switch entry.event {
            case .start, .stop:
                for id in wanted { builders[id]?.move(to: entry.at, state: state(of: id)) }
                watching = entry.event == .start
            case .change(let id, let newState):
                guard wanted.contains(id) else { continue }
                builders[id]?.move(to: entry.at, state: state(of: id))
                if newState == .home { home.insert(id) } else { home.remove(id) }
            }
        }
        var timelines: [String: [TimelineSpan]] = [:]
        for id in wanted {
            guard var builder = builders[id] else { continue }
            builder.move(to: now, state: state(of: id))
            timelines[id] = builder.spans
        }
        return timelines
    }
}

/// Turns "the state was S until time T" steps into clipped, merged spans.
private struct SpanBuilder {
    private let windowStart: Date
    private var cursor: Date
    private(set) var spans: [TimelineSpan] = []

    init(start: Date) {
        windowStart = start
        cursor = start
    }

    /// The state was `state` from the cursor until `time`; the cursor moves to `time`.
    mutating func move(to time: Date, state: TimelineSpan.State) {
        guard time > cursor else { return }
        defer { cursor = time }
        let from = max(cursor, windowStart)
        guard time > from else { return }
        if let last = spans.last, last.state == state, last.to == from {
            spans[spans.count - 1].to = time
        } else {
            spans.append(TimelineSpan(from: from, to: time, state: state))
        }
    }
}
