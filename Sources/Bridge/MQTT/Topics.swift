/// Every topic the bridge reads or writes, built in one place from the base topic and the
/// Home Assistant discovery prefix. Device ids are `[0-9a-z_]` only (a MAC without colons, or
/// `ip_a_b_c_d`), so no name from the network ever reaches a topic.
public struct Topics: Sendable, Hashable {
    public let base: String
    public let discoveryPrefix: String
    public let homeAssistantStatus: String

    public init(base: String, discoveryPrefix: String, homeAssistantStatus: String) {
        self.base = base
        self.discoveryPrefix = discoveryPrefix
        self.homeAssistantStatus = homeAssistantStatus
    }

    /// `online` / `offline`, retained; also the will.
    public var bridgeState: String { "\(base)/bridge/state" }
    public var bridgeInfo: String { "\(base)/bridge/info" }
    /// Requests to the running bridge (`forget`), sent by the command line.
    public var forgetRequest: String { "\(base)/bridge/request/forget" }
    /// Where the bridge sends itself a token after subscribing, to know the broker has delivered
    /// every retained message it held (``DiscoveryAudit``). Not retained.
    public var sync: String { "\(base)/bridge/sync" }
    public var devices: String { "\(base)/devices" }
    public var events: String { "\(base)/events" }

    public func state(_ id: String) -> String { "\(base)/\(id)/state" }

    // MARK: - Nodes of a household (docs/HOUSEHOLD.md)

    /// `online` / `offline`, retained: the node's will, so its death is known at once.
    public func nodeState(_ node: String) -> String { "\(base)/nodes/\(node)/state" }
    /// The node's settings that the household compares (JSON, retained).
    public func nodeInfo(_ node: String) -> String { "\(base)/nodes/\(node)/info" }
    /// The node's own view of one device (JSON, retained), published when it changes.
    public func nodeDevice(_ node: String, _ id: String) -> String { "\(base)/nodes/\(node)/devices/\(id)" }
    /// Where a node sends itself a token after subscribing to the household, to know it has every
    /// retained node topic (not retained).
    public func nodeSync(_ node: String) -> String { "\(base)/nodes/\(node)/sync" }
    /// The filters that bring back every node's state, info and views.
    public var nodeFilters: [String] { ["\(base)/nodes/+/state", "\(base)/nodes/+/info", "\(base)/nodes/+/devices/+"] }

    /// What a message on a node topic is about, or nil for any other topic.
    public func nodeTopic(_ topic: String) -> NodeTopic? {
        let prefix = "\(base)/nodes/"
        guard topic.hasPrefix(prefix) else { return nil }
        let parts = topic.dropFirst(prefix.count).split(separator: "/", omittingEmptySubsequences: false)
        switch parts.count {
        case 2 where parts[1] == "state": return .state(node: String(parts[0]))
        case 2 where parts[1] == "info": return .info(node: String(parts[0]))
        case 2 where parts[1] == "sync": return .sync(node: String(parts[0]))
        case 3 where parts[1] == "devices" && !parts[2].isEmpty: return .device(node: String(parts[0]), id: String(parts[2]))
        default: return nil
        }
    }
    public func attributes(_ id: String) -> String { "\(base)/\(id)/attributes" }

    public func discovery(_ id: String) -> String { "\(discoveryPrefix)/device_tracker/\(id)/config" }
    /// The filter that brings back our discovery configs, so deletions made in Home Assistant are seen.
    public var discoveryFilter: String { "\(discoveryPrefix)/device_tracker/+/config" }
    /// The bridge's own entity (its connectivity), which the devices name as `via_device`.
    public var bridgeDiscovery: String { "\(discoveryPrefix)/binary_sensor/\(Self.bridgeDeviceID)/connection/config" }

    /// The device id in a discovery config topic of ours, or nil for any other topic.
    public func deviceID(inDiscoveryTopic topic: String) -> String? {
        let prefix = "\(discoveryPrefix)/device_tracker/"
        let suffix = "/config"
        guard topic.hasPrefix(prefix), topic.hasSuffix(suffix), topic.count > prefix.count + suffix.count else { return nil }
        let id = topic.dropFirst(prefix.count).dropLast(suffix.count)
        return id.contains("/") ? nil : String(id)
    }

    public static let bridgeDeviceID = "nmap2mqtt_bridge"
}
