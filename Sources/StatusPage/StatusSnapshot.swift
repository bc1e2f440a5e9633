#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Everything the status page, `/metrics` and `/healthz` show, as of one moment.
///
/// The daemon fills it; the server only reads it. It is made of plain values, so the server renders a
/// snapshot on its own thread while the daemon goes on, and nothing the server does can reach back into
/// the presence engine or the MQTT client.
public struct StatusSnapshot: Sendable, Equatable {
    /// When the daemon took this snapshot. The page's "now": ages ("12 s ago") and the end of every
    /// timeline are measured from it.
    public var generatedAt: Date
    /// How the bridge itself is doing: scans, errors, the broker.
    public var bridge: BridgeHealth
    /// Every tracked device, in any order (the page sorts them: home first, then by name).
    public var devices: [DeviceStatus]
    /// The last 24 hours per device, keyed by ``DeviceStatus/id``: contiguous spans, oldest first, ending at
    /// ``generatedAt``. ``TimelineSpan/State/unknown`` covers time the bridge was not watching. A device
    /// without an entry gets no timeline drawn. ``PresenceHistory/timeline(for:now:window:)`` makes this.
    public var timeline: [String: [TimelineSpan]]
    /// The latest departures, newest first, with the reason each was decided (the page shows up to 20).
    public var recentDepartures: [Departure]

    public init(
        generatedAt: Date,
        bridge: BridgeHealth,
        devices: [DeviceStatus],
        timeline: [String: [TimelineSpan]] = [:],
        recentDepartures: [Departure] = []
    ) {
        self.generatedAt = generatedAt
        self.bridge = bridge
        self.devices = devices
        self.timeline = timeline
        self.recentDepartures = recentDepartures
    }
}
