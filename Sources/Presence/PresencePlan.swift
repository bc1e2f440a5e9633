/// The engine's answer to "what now?": what to publish, what to re-probe, when to ask again.
public struct PresencePlan: Sendable, Equatable {
    /// Decided at this moment (departures whose silent re-probe waited for the end of their grace).
    public var changes: [PresenceChange]
    /// Re-probe each of these now and hand every result to `resolve`, sorted by device id.
    public var probes: [ProbeRequest]
    /// Ask again at this monotonic moment (`Moment.elapsed`), or, when nil, after the next scan.
    public var wakeAt: Double?
    /// A scan that starts now leaves these addresses out (`home_interval`), sorted.
    public var scanExclusions: [String]

    public init(changes: [PresenceChange] = [], probes: [ProbeRequest] = [], wakeAt: Double? = nil, scanExclusions: [String] = []) {
        self.changes = changes
        self.probes = probes
        self.wakeAt = wakeAt
        self.scanExclusions = scanExclusions
    }
}
