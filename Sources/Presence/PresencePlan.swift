/// The engine's answer to "what now?": what to publish, what to re-probe, when to ask again.
public struct PresencePlan: Sendable, Equatable {
    /// Decided at this moment (departures whose silent re-probe waited for the end of their grace).
    public var changes: [PresenceChange]
    /// Re-probe each of these now and hand every result to `resolve`, sorted by device id.
    public var probes: [ProbeRequest]
    /// Ask again at this monotonic moment (`Moment.elapsed`), or, when nil, after the next scan.
    public var wakeAt: Double?
    /// By target (index into `PresenceConfiguration.targets`): a scan of it that starts now leaves these
    /// addresses out (`home_interval`), sorted.
    public var targetExclusions: [[String]]

    /// What a scan of the first target that starts now leaves out (`home_interval`), sorted.
    public var scanExclusions: [String] {
        get { targetExclusions.first ?? [] }
        set {
            if targetExclusions.isEmpty { targetExclusions = [newValue] } else { targetExclusions[0] = newValue }
        }
    }

    public init(changes: [PresenceChange] = [], probes: [ProbeRequest] = [], wakeAt: Double? = nil, scanExclusions: [String] = []) {
        self.changes = changes
        self.probes = probes
        self.wakeAt = wakeAt
        self.targetExclusions = [scanExclusions]
    }

    /// What a scan of `target` that starts now leaves out; empty for a target the plan does not know.
    public func scanExclusions(target: Int) -> [String] {
        targetExclusions.indices.contains(target) ? targetExclusions[target] : []
    }
}
