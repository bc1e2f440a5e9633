import Presence

/// What this node knows of its household (docs/HOUSEHOLD.md), held in ``BridgeStatus``.
struct HouseholdStatus: Sendable {
    /// What this node may publish.
    enum Role: String, Sendable, Equatable {
        /// Not yet sure what the broker holds: publishes nothing (events wait).
        case joining
        /// The live node with the lowest id: publishes its node topics and the shared ones.
        case leader
        /// Publishes its node topics only.
        case follower
        /// Another live process has this node's id: publishes nothing until it stops.
        case duplicate

        var isActive: Bool { self == .leader || self == .follower }
    }

    var household: Household
    var role: Role = .joining
    /// The node is saying its last words: messages it reads now are echoes of them.
    var stopping = false
    /// This run's node info, as published.
    let ownInfo: NodeInfo
    /// Every other node's info, and the latest info that arrived on this node's own topic.
    var infos: [String: NodeInfo] = [:]
    var ownTopicInfo: NodeInfo?
    /// Whether the broker holds `online` on this node's own state topic.
    var ownTopicOnline = false
    /// This node's view of each device as last published (its node topics).
    var nodeMirror: DeviceMirror
    /// The restored devices not yet seen in this run, when this node's views were last stated.
    var statedUnconfirmed: Set<String> = []
    /// The merged state of each device as last computed: events are its changes.
    var shared: [String: PresenceState] = [:]
    /// The viewers each device's discovery config was last stated with.
    var announcedViewers: [String: [String]] = [:]
    /// Events computed while joining, sent if this node turns out to lead.
    var pendingEvents: [(kind: String, device: Device)] = []
    /// Settings that differ between nodes, in words, and the ones already logged.
    var warnings: [String] = []
    var loggedWarnings: Set<String> = []

    init(nodeID: String, ownInfo: NodeInfo, lastSeenRefresh: Duration, restored: [Device]) {
        household = Household(selfID: nodeID)
        self.ownInfo = ownInfo
        nodeMirror = DeviceMirror(lastSeenRefresh: lastSeenRefresh)
        for device in restored where !device.deleted { shared[device.id] = device.state }
    }

    /// How many events wait at most while joining.
    static let pendingEventLimit = 1000

    /// Whether another live process holds this node's id: the broker holds `online` on its state topic
    /// and an info of another instance that started first.
    var ownIDTaken: Bool {
        guard ownTopicOnline, let info = ownTopicInfo, info.instance != ownInfo.instance else { return false }
        return info.startedBefore(ownInfo)
    }

    /// The role the household's liveness gives an active node.
    var activeRole: Role {
        household.leader == household.selfID ? .leader : .follower
    }

    /// Compares the live nodes' settings with this node's; returns the warnings not logged before.
    mutating func compareSettings() -> [String] {
        var found: [String] = []
        for node in household.liveNodes where node != household.selfID {
            if let info = infos[node] { found += ownInfo.differences(from: info) }
        }
        warnings = found
        let new = found.filter { loggedWarnings.insert($0).inserted }
        return new
    }
}
