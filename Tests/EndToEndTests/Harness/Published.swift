import Foundation

/// What the bridge publishes (the README's topic table) and what `devices --json` and the state file
/// hold, as the tests read them: decoded into types, not `[String: Any]`. A field the bridge always
/// sends is not optional here, so a payload without it fails to decode and the test with it; only what
/// the bridge leaves out when it has no value (a MAC it could not learn, a scan not run yet) is optional.
/// Keys are the wire's snake_case (`.convertFromSnakeCase`); timestamps are ISO 8601, with or without
/// milliseconds.
enum Published {
    enum State: String, Decodable, Sendable {
        case home
        case notHome = "not_home"
    }

    /// `nmap2mqtt/bridge/info`: the heartbeat after every scan.
    struct BridgeInfo: Decodable, Sendable {
        enum ScanResult: String, Decodable, Sendable {
            case ok, failed, outage
        }

        var version: String
        var scanTargets: [String]
        var scanIntervalSeconds: Double
        var lastScanStart: Date?
        var lastScanDurationSeconds: Double?
        var lastScanOk: Bool?
        var lastScanResult: ScanResult?
        var consecutiveOutages: Int
        var hostsUp: Int?
        var consecutiveFailures: Int
        var lastError: String?
        var deviceCount: Int
        var devicesHome: Int
        /// The household's fields (issue 16). Optional here only so that a payload without them still
        /// decodes for the tests that do not look at them; the household tests require them.
        var node: String?
        var leader: String?
        var nodes: [NodeSummary]?
        var householdWarnings: [String]?

        /// One node of `bridge/info.nodes`.
        struct NodeSummary: Decodable, Sendable, Equatable {
            var node: String
            var online: Bool
            var devices: Int
            var home: Int
        }
    }

    /// `nmap2mqtt/nodes/<node>/info`: what one node of a household says about itself.
    struct NodeInfo: Decodable, Sendable {
        var node: String
        /// Tells two processes with the same node id apart (a string or a number on the wire).
        var instance: Scalar
        var version: String
        var startedAt: Date
        var scanTargets: [String]
        var considerHomeSeconds: Double
        var discovery: Bool
        var discoveryPrefix: String
    }

    /// `nmap2mqtt/nodes/<node>/devices/<id>`: one node's own view of a device (the state file's encoding).
    struct NodeDevice: Decodable, Sendable {
        var id: String
        var mac: String?
        var ip: String
        var state: State
        var name: String
        var hostName: String?
        var vendor: String?
        var lastSeen: Date
        var firstSeen: Date
        var reason: String
    }

    /// A JSON string or number, compared as written.
    enum Scalar: Decodable, Sendable, Equatable, CustomStringConvertible {
        case string(String)
        case number(Double)

        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let text = try? container.decode(String.self) {
                self = .string(text)
            } else {
                self = .number(try container.decode(Double.self))
            }
        }

        var description: String {
            switch self {
            case .string(let text): text
            case .number(let number): "\(number)"
            }
        }
    }

    /// `nmap2mqtt/<id>/attributes`.
    struct Attributes: Decodable, Sendable {
        var ip: String
        var mac: String?
        var hostName: String?
        var manufacturer: String?
        var lastSeen: Date
        var reason: String
    }

    /// One device of `nmap2mqtt/devices`, and the device in an event.
    struct DeviceSummary: Decodable, Sendable {
        var id: String
        var name: String
        var state: State
        var ip: String
        var mac: String?
        var hostName: String?
        var manufacturer: String?
        var randomizedMac: Bool
        var firstSeen: Date
        var lastSeen: Date
        var reason: String
    }

    /// `nmap2mqtt/events` (not retained): an arrival or a departure, numbered.
    struct Event: Decodable, Sendable {
        enum Kind: String, Decodable, Sendable {
            case arrived, departed
        }

        var event: Kind
        var seq: UInt64
        var device: DeviceSummary

        private enum CodingKeys: String, CodingKey {
            case event, seq
        }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            event = try container.decode(Kind.self, forKey: .event)
            seq = try container.decode(UInt64.self, forKey: .seq)
            device = try DeviceSummary(from: decoder)
        }
    }

    struct Availability: Decodable, Sendable {
        var topic: String
        /// Home Assistant's defaults (`online`/`offline`) when left out.
        var payloadAvailable: String?
        var payloadNotAvailable: String?
    }

    struct Origin: Decodable, Sendable {
        var name: String
        var swVersion: String
        var supportUrl: String
    }

    /// `homeassistant/device_tracker/<id>/config`: Home Assistant discovery of one device.
    struct TrackerConfig: Decodable, Sendable {
        struct Device: Decodable, Sendable {
            /// `[["mac", "aa:bb:..."]]`; missing for a device tracked by IP.
            var connections: [[String]]?
            var identifiers: [String]
            var name: String
            var manufacturer: String?
            var viaDevice: String
        }

        /// Always sent, as `null` (Home Assistant then names the entity after its device).
        var name: String?
        var uniqueId: String
        var stateTopic: String
        var jsonAttributesTopic: String
        var payloadHome: String
        var payloadNotHome: String
        var sourceType: String
        var availability: [Availability]
        /// `any` in a household: a device is available while any node that sees it is online.
        var availabilityMode: String?
        var qos: Int
        var device: Device
        var origin: Origin
    }

    /// `homeassistant/binary_sensor/nmap2mqtt_bridge/connection/config`: the bridge's own sensor.
    struct ConnectivityConfig: Decodable, Sendable {
        struct Device: Decodable, Sendable {
            var identifiers: [String]
            var name: String
            var manufacturer: String
            var model: String
            var swVersion: String
        }

        var name: String
        var uniqueId: String
        var stateTopic: String
        var payloadOn: String
        var payloadOff: String
        var deviceClass: String
        var entityCategory: String
        var qos: Int
        var device: Device
        var origin: Origin
    }

    /// `nmap2mqtt/bridge/sync` (not retained): the token the bridge sends itself on each connection.
    struct Sync: Decodable, Sendable {
        var sync: String
    }

    /// `nmap2mqtt/nodes/<node>/sync` (not retained): the token a node sends itself when it joins.
    struct JoinSync: Decodable, Sendable {
        var join: String
    }

    /// One device of `nmap2mqtt devices --json` and of the state file.
    struct StoredDevice: Decodable, Sendable {
        var id: String
        var mac: String?
        var ip: String
        var hostName: String?
        var vendor: String?
        var name: String
        var state: State
        var firstSeen: Date
        var lastSeen: Date
        var randomizedMac: Bool
        var keyedByIp: Bool
        var deleted: Bool
        var reason: String
    }

    /// The state file.
    struct StateFile: Decodable, Sendable {
        var formatVersion: Int
        var devices: [StoredDevice]
        var eventSequence: UInt64?
    }

    static func decode<T: Decodable>(_ type: T.Type, from bytes: some Sequence<UInt8>) throws -> T {
        try decoder.decode(type, from: Data(bytes))
    }

    /// Decodes what the bridge published on `topic` as that topic's type; throws for a topic the bridge
    /// does not own (or a state, which is no JSON).
    static func decodeAny(topic: String, payload: [UInt8]) throws -> any Decodable {
        let parts = topic.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        switch (parts.first, parts.last, parts.count) {
        case ("nmap2mqtt", "info", 3) where parts[1] == "bridge": return try decode(BridgeInfo.self, from: payload)
        case ("nmap2mqtt", "sync", 3) where parts[1] == "bridge": return try decode(Sync.self, from: payload)
        case ("nmap2mqtt", "attributes", 3): return try decode(Attributes.self, from: payload)
        case ("nmap2mqtt", "info", 4) where parts[1] == "nodes": return try decode(NodeInfo.self, from: payload)
        case ("nmap2mqtt", "sync", 4) where parts[1] == "nodes": return try decode(JoinSync.self, from: payload)
        case ("nmap2mqtt", _, 5) where parts[1] == "nodes" && parts[3] == "devices": return try decode(StoredDevice.self, from: payload)
        case ("nmap2mqtt", "devices", 2): return try decode([DeviceSummary].self, from: payload)
        case ("nmap2mqtt", "events", 2): return try decode(Event.self, from: payload)
        case ("homeassistant", "config", 4) where parts[1] == "device_tracker": return try decode(TrackerConfig.self, from: payload)
        case ("homeassistant", "config", 5) where parts[1] == "binary_sensor": return try decode(ConnectivityConfig.self, from: payload)
        default: throw EndToEndError("no payload type for topic \(topic)")
        }
    }

    private static let decoder: JSONDecoder = {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        decoder.dateDecodingStrategy = .custom { decoder in
            let text = try decoder.singleValueContainer().decode(String.self)
            if let date = try? Date(text, strategy: .iso8601) { return date }
            if let date = try? Date(text, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true)) { return date }
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "not an ISO 8601 time: \(text)"))
        }
        return decoder
    }()
}
