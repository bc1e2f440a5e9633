extension PresenceEngine {
    /// Devices restored from the state file that this run has not seen yet: their state is a memory, not
    /// news. In a household a node's memory must not outvote another live node's fresh decision
    /// (``Household``).
    public var unconfirmed: Set<String> {
        var ids: Set<String> = []
        for (id, record) in records where record.seenAt == nil { ids.insert(id) }
        return ids
    }
}
