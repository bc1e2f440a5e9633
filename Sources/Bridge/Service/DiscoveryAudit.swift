/// What the broker still holds of our discovery configs when a connection begins, to find the devices a
/// user deleted in Home Assistant while the bridge was away (stopped, or cut off from the broker): their
/// configs are gone from the broker, and announcing them again would bring them back.
///
/// On every connection the bridge subscribes to the discovery filter again (the broker then sends every
/// retained config), publishes a token to `<base>/bridge/sync`, and collects retained configs until the
/// token comes back: the broker delivers in order, so by then it has sent all it holds.
struct DiscoveryAudit: Sendable {
    /// The token this connection's audit waits for; nil when none runs.
    private(set) var token: String?
    /// Ids whose config the broker sent retained during the audit.
    private(set) var present: Set<String> = []
    private(set) var finished = false

    mutating func begin(token: String) {
        self.token = token
        present = []
        finished = false
    }

    /// A retained config of ours arrived.
    mutating func saw(_ id: String) {
        if token != nil, !finished { present.insert(id) }
    }

    /// A message on the sync topic arrived; true when it ends this audit.
    mutating func synced(_ payload: String) -> Bool {
        guard let token, payload == token, !finished else { return false }
        finished = true
        return true
    }

    mutating func end() {
        token = nil
    }

    /// The announced devices whose configs the broker no longer holds. When it holds none of ours at all
    /// it lost its retained messages (a restart without persistence): that deletes nothing.
    static func deletedWhileAway(announced: Set<String>, present: Set<String>) -> [String] {
        guard !present.isEmpty else { return [] }
        return announced.subtracting(present).sorted()
    }
}
