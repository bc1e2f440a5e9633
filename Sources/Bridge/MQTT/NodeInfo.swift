/// `<base>/nodes/<node>/info`: what a node tells the rest of its household about itself, so that two
/// nodes started with one id, or with settings that disagree, are noticed.
public struct NodeInfo: Codable, Sendable, Equatable {
    public var node: String
    /// Random per run: two processes with one `node_id` have different instances.
    public var instance: String
    public var version: String
    public var started_at: String
    public var scan_targets: [String]
    public var consider_home_seconds: Double
    public var discovery: Bool
    public var discovery_prefix: String

    /// Whether `self` started before `other` (ties: the lower instance), so of two processes with one
    /// id every one agrees which came second.
    func startedBefore(_ other: NodeInfo) -> Bool {
        (started_at, instance) < (other.started_at, other.instance)
    }

    /// What `other`'s settings do differently from these, in words (empty when nothing that matters does).
    func differences(from other: NodeInfo) -> [String] {
        var found: [String] = []
        if other.consider_home_seconds != consider_home_seconds {
            found.append(
                "node \(other.node) has consider_home \(Self.seconds(other.consider_home_seconds)), node \(node) \(Self.seconds(consider_home_seconds)): a device both see departs on different schedules; give every node the same scan.consider_home"
            )
        }
        if other.discovery != discovery {
            found.append(
                "node \(other.node) has homeassistant.discovery \(other.discovery), node \(node) \(discovery): devices appear or vanish in Home Assistant with the leader; give every node the same setting"
            )
        }
        if other.discovery_prefix != discovery_prefix {
            found.append(
                "node \(other.node) has homeassistant.discovery_prefix \(other.discovery_prefix), node \(node) \(discovery_prefix): Home Assistant sees the devices twice or not at all; give every node the same prefix"
            )
        }
        return found
    }

    private static func seconds(_ value: Double) -> String {
        value == value.rounded() ? "\(Int(value)) s" : "\(value) s"
    }
}
