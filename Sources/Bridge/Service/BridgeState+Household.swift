import Foundation
import Logging
import Presence

/// The node in its household (docs/HOUSEHOLD.md): joining, the role it takes, what other nodes say, and
/// its last words. Everything runs under the state's one lock, like every engine step.
extension BridgeState {
    /// The broker has delivered every retained node topic (the join's sync token came back, or the wait
    /// gave up): take a role and state everything this role publishes.
    func joined() {
        withStatus { status in
            if status.household.ownIDTaken {
                setRole(.duplicate, in: &status)
                return
            }
            setRole(status.household.activeRole, in: &status)
            logNewWarnings(in: &status)
            publish([], in: &status, routine: false)
        }
    }

    /// A message on a node topic (``Topics/nodeTopic(_:)``).
    func householdMessage(_ topic: NodeTopic, payload: [UInt8]) {
        withStatus { status in
            let changed: Bool
            switch topic {
            case .sync:
                return
            case .state(let node) where node == nodeID:
                ownStateArrived(online: payload == Array("online".utf8), in: &status)
                return
            case .info(let node) where node == nodeID:
                ownInfoArrived(Self.nodeInfo(from: payload), in: &status)
                return
            case .device(let node, _) where node == nodeID:
                return // our own view coming back
            case .state(let node):
                changed = status.household.household.setOnline(node, payload == Array("online".utf8))
            case .info(let node):
                let info = Self.nodeInfo(from: payload)
                changed = status.household.infos[node] != info
                status.household.infos[node] = info
            case .device(let node, let id):
                let view = Payloads.view(from: payload)
                if view == nil, !payload.isEmpty {
                    logger.warning(
                        "Ignored a node's view of a device that is not the JSON of a device", metadata: ["node.id": "\(node)", "device.id": "\(id)"])
                    return
                }
                changed = status.household.household.setView(node, device: id, view?.device, confirmed: view?.confirmed ?? true)
            }
            guard changed else { return }
            if status.household.role.isActive { setRole(status.household.activeRole, in: &status) }
            logNewWarnings(in: &status)
            guard status.household.role.isActive else { return }
            publishDevices(in: &status)
        }
    }

    /// Something arrived on `<base>/bridge/state`: a leader that reads `offline` there while it runs
    /// (an old connection's will, arriving late) says `online` again.
    func bridgeStateArrived(_ payload: [UInt8]) {
        withStatus { status in
            guard status.household.role == .leader, !status.household.stopping, payload != Array("online".utf8) else { return }
            publisher.republish(topics.bridgeState)
        }
    }

    /// The role this node holds now.
    var role: HouseholdStatus.Role {
        withStatus { $0.household.role }
    }

    /// The node is stopping: what it reads from now on are echoes of its last words, not news.
    func beginStopping() {
        withStatus { $0.household.stopping = true }
    }

    /// What this node says as it stops gracefully, in order: the shared `offline` only when no other live
    /// node takes over, then its own `offline`. A node that never joined or holds another's id says nothing.
    func lastWords() -> [(topic: String, payload: String)] {
        withStatus { status in
            switch status.household.role {
            case .joining, .duplicate:
                return []
            case .follower:
                return [(topics.nodeState(nodeID), "offline")]
            case .leader:
                if status.household.household.hasLiveOthers {
                    logger.info(
                        "Stopping; the next node takes over the shared topics",
                        metadata: [
                            "node.id": "\(nodeID)", "node.next_leader": "\(status.household.household.liveNodes.first { $0 != nodeID } ?? "-")",
                        ])
                    return [(topics.nodeState(nodeID), "offline")]
                }
                return [(topics.bridgeState, "offline"), (topics.nodeState(nodeID), "offline")]
            }
        }
    }

    // MARK: - Roles

    private func setRole(_ role: HouseholdStatus.Role, in status: inout BridgeStatus) {
        let old = status.household.role
        guard old != role else { return }
        status.household.role = role
        switch role {
        case .duplicate:
            let other = status.household.ownTopicInfo
            logger.error(
                "Another running node already has this node_id; this one publishes nothing until it stops. Give every node its own node_id (a copied config or a cloned SD card keeps the old one)",
                metadata: [
                    "node.id": "\(nodeID)", "node.other_started_at": "\(other?.started_at ?? "-")",
                    "node.other_version": "\(other?.version ?? "-")",
                ])
        case .leader, .follower:
            logger.info(
                role == .leader ? "This node leads its household: it publishes the shared topics" : "This node follows its household's leader",
                metadata: [
                    "node.id": "\(nodeID)", "node.leader": "\(status.household.household.leader)",
                    "node.live": "\(status.household.household.liveNodes.joined(separator: " "))",
                ])
        case .joining:
            break
        }
        if old == .leader {
            // Stop stating the shared topics: the new leader does (or, when this one stops, nobody).
            publisher.dropAll(matching: { !isNodeTopic($0) })
        }
        if old.isActive, !role.isActive {
            publisher.dropAll(matching: { _ in true })
        }
        if role.isActive, !old.isActive {
            status.household.nodeMirror.reset()
            publisher.retain(topics.nodeState(nodeID), "online", priority: .bridgeState)
            publisher.retain(topics.nodeInfo(nodeID), Payloads.encode(status.household.ownInfo), priority: .bridgeState)
        }
        if role == .leader {
            status.mirror.reset()
            status.household.announcedViewers = [:]
            announceBridge()
            let merged = Set(status.household.household.merged(own: status.engine.devices).map(\.device.id))
            for device in status.engine.untracked where !merged.contains(device.id) {
                clearTopics(of: device.id, in: &status)
            }
            for (kind, device) in status.household.pendingEvents {
                status.eventSequence += 1
                publisher.send(topics.events, Payloads.event(kind, device, seq: status.eventSequence))
            }
        }
        if role != .joining { status.household.pendingEvents = [] }
        roleChanged.signal()
    }

    private func isNodeTopic(_ topic: String) -> Bool {
        topic.hasPrefix("\(topics.base)/nodes/")
    }

    /// This node's own state topic: `offline` there while it runs is another process's will (one that had
    /// this id) or a stale message: say `online` again. While it holds another's id, `offline` means the
    /// other stopped: join.
    private func ownStateArrived(online: Bool, in status: inout BridgeStatus) {
        status.household.ownTopicOnline = online
        guard !online, !status.household.stopping else { return }
        switch status.household.role {
        case .leader, .follower:
            publisher.republish(topics.nodeState(nodeID))
        case .duplicate:
            logger.info("The other node with this node_id stopped; this one takes its place", metadata: ["node.id": "\(nodeID)"])
            setRole(status.household.activeRole, in: &status)
            publish([], in: &status, routine: false)
        case .joining:
            break
        }
    }

    /// This node's own info topic: another instance there while this one runs means two processes have
    /// one id. The one that started later steps back, so exactly one keeps publishing.
    private func ownInfoArrived(_ info: NodeInfo?, in status: inout BridgeStatus) {
        status.household.ownTopicInfo = info
        guard let info, info.instance != status.household.ownInfo.instance, status.household.role.isActive else { return }
        if info.startedBefore(status.household.ownInfo) {
            setRole(.duplicate, in: &status)
        } else {
            publisher.republish(topics.nodeInfo(nodeID))
            publisher.republish(topics.nodeState(nodeID))
        }
    }

    private func logNewWarnings(in status: inout BridgeStatus) {
        for warning in status.household.compareSettings() {
            logger.warning("The household's nodes disagree: \(warning)", metadata: ["node.id": "\(nodeID)"])
        }
    }

    private static func nodeInfo(from payload: [UInt8]) -> NodeInfo? {
        guard !payload.isEmpty else { return nil }
        return try? JSONDecoder().decode(NodeInfo.self, from: Data(payload))
    }
}
