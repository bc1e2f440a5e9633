import Foundation

/// Several nodes (one daemon per network segment) that share a broker's base topic, and the one truth
/// per device that their views make. Pure: no MQTT, no clock; the caller feeds it what the broker
/// delivers (each node's liveness and its view of each device) and asks for the merge.
///
/// The rules (docs/HOUSEHOLD.md has the failure cases):
/// - A node is live while its liveness says so (its MQTT will says otherwise the moment it dies). This
///   node is always live to itself.
/// - A device is `home` when any live node's view says `home`.
/// - It is `not_home` only when every live node that has a view of it says `not_home`: the node that
///   covers its segment decided, after its grace and a re-probe, and no other live node sees it.
/// - A dead node's word outlives it where no live node knows better: when a dead node saw the device
///   home after the last sighting of every live node that says `not_home`, those `not_home`s are older
///   than the news and the device stays `home` (unavailable) until a live node sees it (and decides again
///   if it then leaves), or the dead node returns. A node's death never makes anyone leave, not even through another
///   node's stale `not_home`.
/// - A view that a node restored from its state file and has not confirmed in this run (it restarted and
///   has not seen the device since) is memory, not news: it counts only when no node, live or dead, has
///   news of the device. So a node that restarts does not undo what the others decided while it was away,
///   even when the node that decided dies in the meantime.
/// - When only dead nodes have a view of it, it keeps the state the freshest of those views had and is
///   unavailable.
/// - Attributes (IP, names, `last_seen`) come from the freshest view that agrees with the merged state,
///   a live one before a dead one.
/// - A device deleted in Home Assistant (any view says so, or this node's own) stays deleted.
/// - The leader, which alone publishes the shared topics, is the live node with the lowest id: every
///   node that sees the same retained liveness picks the same one, so a split view converges.
public struct Household: Sendable {
    /// What one other node said, as the broker last delivered it.
    public struct NodeView: Sendable, Equatable {
        public var online: Bool
        public var devices: [String: Device]
        /// Devices whose view the node restored and has not confirmed in its current run.
        public var unconfirmed: Set<String>

        public init(online: Bool = false, devices: [String: Device] = [:], unconfirmed: Set<String> = []) {
            self.online = online
            self.devices = devices
            self.unconfirmed = unconfirmed
        }
    }

    /// This node's id.
    public let selfID: String
    /// The other nodes, by id; this node's own view is passed to ``merged(own:)``.
    public private(set) var others: [String: NodeView] = [:]

    public init(selfID: String) {
        self.selfID = selfID
    }

    /// A node's liveness (its `state` topic) arrived. Returns whether anything changed.
    @discardableResult
    public mutating func setOnline(_ node: String, _ online: Bool) -> Bool {
        guard node != selfID else { return false }
        if others[node]?.online == online { return false }
        others[node, default: NodeView()].online = online
        return true
    }

    /// A node's view of one device arrived; nil when it cleared it. `confirmed` is false for a view the node
    /// restored and has not seen in its current run. Returns whether anything changed.
    @discardableResult
    public mutating func setView(_ node: String, device id: String, _ device: Device?, confirmed: Bool = true) -> Bool {
        guard node != selfID else { return false }
        let unconfirmed = device != nil && !confirmed
        if others[node]?.devices[id] == device, (others[node]?.unconfirmed.contains(id) ?? false) == unconfirmed { return false }
        others[node, default: NodeView()].devices[id] = device
        if unconfirmed {
            others[node]!.unconfirmed.insert(id)
        } else {
            others[node]!.unconfirmed.remove(id)
        }
        return true
    }

    /// Drops every other node's view of a device (`forget`): if one of them still sees it, its next
    /// view brings it back.
    public mutating func forget(_ id: String) {
        for node in others.keys {
            others[node]!.devices[id] = nil
            others[node]!.unconfirmed.remove(id)
        }
    }

    /// Whether any other node is live.
    public var hasLiveOthers: Bool {
        others.values.contains { $0.online }
    }

    /// Every live node, this one included, sorted.
    public var liveNodes: [String] {
        ([selfID] + others.filter { $0.value.online }.map(\.key)).sorted()
    }

    /// Every node known, live or not, this one included, sorted.
    public var allNodes: [String] {
        Set(others.keys).union([selfID]).sorted()
    }

    /// The node that publishes the shared topics: the live node with the lowest id.
    public var leader: String {
        liveNodes.first ?? selfID
    }

    /// One device as the household sees it.
    public struct MergedDevice: Sendable, Equatable {
        /// State by the rules above; attributes from the freshest view that agrees.
        public var device: Device
        /// False when only dead nodes have a view of it.
        public var available: Bool
        /// Every node with a view of it, live or dead, sorted: Home Assistant's availability topics.
        public var viewers: [String]
    }

    /// The merge of `own` (this node's devices, deleted ones included; `ownUnconfirmed` the ones restored and
    /// not seen in this run) with every other node's view, sorted by id.
    public func merged(own: [Device], ownUnconfirmed: Set<String> = []) -> [MergedDevice] {
        if others.isEmpty {
            let alone = own.map { MergedDevice(device: $0, available: true, viewers: [selfID]) }
            // The engine's devices come sorted already; a pass checks it.
            guard zip(alone, alone.dropFirst()).allSatisfy({ $0.device.id < $1.device.id }) else {
                return alone.sorted { $0.device.id < $1.device.id }
            }
            return alone
        }
        var views: [String: [View]] = [:]
        views.reserveCapacity(own.count)
        for device in own {
            views[device.id, default: []].append(View(node: selfID, live: true, confirmed: !ownUnconfirmed.contains(device.id), device: device))
        }
        for (node, view) in others {
            for (id, device) in view.devices {
                views[id, default: []].append(View(node: node, live: view.online, confirmed: !view.unconfirmed.contains(id), device: device))
            }
        }
        var result: [MergedDevice] = []
        result.reserveCapacity(views.count)
        for (_, list) in views {
            result.append(Self.merge(list))
        }
        result.sort { $0.device.id < $1.device.id }
        return result
    }

    /// One node's view of one device, for the merge.
    private struct View {
        var node: String
        var live: Bool
        var confirmed: Bool
        var device: Device
    }

    private static func merge(_ views: [View]) -> MergedDevice {
        let live = views.filter(\.live)
        let news = live.filter(\.confirmed)
        let deadNews = views.filter { !$0.live && $0.confirmed }
        let state: PresenceState
        var available = !live.isEmpty
        let deciding: [View]
        if !news.isEmpty {
            // What live nodes saw in their current runs decides.
            if news.contains(where: { $0.device.state == .home }) {
                (state, deciding) = (.home, news)
            } else if let latest = news.map(\.device.lastSeen).max(),
                case let fresher = deadNews.filter({ $0.device.state == .home && $0.device.lastSeen > latest }), !fresher.isEmpty
            {
                // Only a dead node saw it since: its home stands (see the rules above).
                (state, deciding, available) = (.home, fresher, false)
            } else {
                (state, deciding) = (.notHome, news)
            }
        } else if !deadNews.isEmpty {
            // Live nodes have only memory (they restarted and have not seen it yet): the last news stands,
            // that of a node that died since.
            state = freshest(deadNews).state
            deciding = deadNews
        } else if !live.isEmpty {
            // Memory only: a restarted node's, as for one bridge after a restart.
            state = live.contains { $0.device.state == .home } ? .home : .notHome
            deciding = live
        } else {
            state = freshest(views).state
            deciding = views
        }
        let agreeing = deciding.filter { $0.device.state == state }
        var device = freshest(agreeing.isEmpty ? views : agreeing)
        device.state = state
        device.firstSeen = views.map(\.device.firstSeen).min() ?? device.firstSeen
        device.deleted = views.contains { $0.device.deleted }
        return MergedDevice(device: device, available: available, viewers: views.map(\.node).sorted())
    }

    /// The view seen most recently (ties: the lower node id, so every node picks the same).
    private static func freshest(_ views: [View]) -> Device {
        var best = views[0]
        for view in views.dropFirst()
        where view.device.lastSeen > best.device.lastSeen || (view.device.lastSeen == best.device.lastSeen && view.node < best.node) {
            best = view
        }
        return best.device
    }
}
