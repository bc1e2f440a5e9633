import Foundation
import Presence

/// The JSON payloads of the README's topic table. JSONEncoder does the escaping, so quotes,
/// backslashes and control characters in names from the network never break a payload.
public enum Payloads {
    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    static func encode(_ value: some Encodable) -> [UInt8] {
        // Encoding plain structs of strings, numbers and arrays cannot fail.
        (try? Array(encoder.encode(value))) ?? Array("{}".utf8)
    }

    /// `<base>/<id>/attributes`: what Home Assistant shows beside the state.
    struct Attributes: Encodable {
        var ip: String
        var mac: String?
        var host_name: String?
        var manufacturer: String?
        var last_seen: String
        var reason: String
    }

    public static func attributes(_ device: Device) -> [UInt8] {
        encode(
            Attributes(
                ip: device.ip, mac: device.mac, host_name: device.hostName, manufacturer: device.vendor,
                last_seen: Timestamp.text(device.lastSeen), reason: device.reason))
    }

    /// One device of `<base>/devices` and of `<base>/events`.
    struct DeviceSummary: Encodable {
        var event: String?
        /// Events only: 1, 2, 3, ... for the bridge's whole life (kept in the state file), so a subscriber
        /// that sees a gap knows it missed events (they are not retained).
        var seq: UInt64?
        var id: String
        var name: String
        var state: String
        var ip: String
        var mac: String?
        var host_name: String?
        var manufacturer: String?
        var randomized_mac: Bool
        var first_seen: String
        var last_seen: String
        var reason: String

        init(_ device: Device, event: String? = nil, seq: UInt64? = nil) {
            self.event = event
            self.seq = seq
            id = device.id
            name = device.name
            state = device.state.rawValue
            ip = device.ip
            mac = device.mac
            host_name = device.hostName
            manufacturer = device.vendor
            randomized_mac = device.randomizedMAC
            first_seen = Timestamp.text(device.firstSeen)
            last_seen = Timestamp.text(device.lastSeen)
            reason = device.reason
        }
    }

    public static func devices(_ devices: [Device]) -> [UInt8] {
        encode(devices.map { DeviceSummary($0) })
    }

    public static func event(_ kind: String, _ device: Device, seq: UInt64) -> [UInt8] {
        encode(DeviceSummary(device, event: kind, seq: seq))
    }

    /// `<base>/nodes/<node>/devices/<id>`: a node's own view of a device, in the state file's encoding, with
    /// `"confirmed": false` while the node has not seen a device it restored (``Household``).
    public static func view(_ device: Device, confirmed: Bool = true) -> [UInt8] {
        encode(NodeView(device: device, confirmed: confirmed ? nil : false))
    }

    /// A node's view read back; nil for an empty (cleared) or unreadable payload.
    static func view(from payload: [UInt8]) -> (device: Device, confirmed: Bool)? {
        guard !payload.isEmpty, let device = try? JSONDecoder().decode(Device.self, from: Data(payload)) else { return nil }
        let flag = try? JSONDecoder().decode(NodeViewFlags.self, from: Data(payload))
        return (device, flag?.confirmed ?? true)
    }

    private struct NodeView: Encodable {
        var device: Device
        var confirmed: Bool?

        func encode(to encoder: any Encoder) throws {
            try device.encode(to: encoder)
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encodeIfPresent(confirmed, forKey: .confirmed)
        }

        enum CodingKeys: String, CodingKey { case confirmed }
    }

    private struct NodeViewFlags: Decodable {
        var confirmed: Bool?
    }

    /// One node of `bridge/info`'s `nodes`.
    public struct NodeSummary: Encodable, Sendable, Equatable {
        public var node: String
        public var online: Bool
        /// Devices in its view, and how many of them it sees home.
        public var devices: Int
        public var home: Int
    }

    /// `<base>/bridge/info`: the bridge's health, so a stuck or failing nmap is visible.
    public struct BridgeInfo: Encodable, Sendable, Equatable {
        public var version: String
        public var scan_targets: [String]
        public var scan_interval_seconds: Double
        public var last_scan_start: String?
        public var last_scan_duration_seconds: Double?
        public var last_scan_ok: Bool?
        /// `ok`, `failed` (nmap broke) or `outage` (complete, but nothing answered: the network is down).
        public var last_scan_result: String?
        /// Complete scans in a row in which nothing answered; no device changes state during them.
        public var consecutive_outages: Int
        public var hosts_up: Int?
        public var consecutive_failures: Int
        public var last_error: String?
        public var device_count: Int
        public var devices_home: Int
        /// The node that published this (the household's leader).
        public var node: String?
        public var leader: String?
        public var nodes: [NodeSummary]?
        /// Settings that differ between the household's nodes, in words.
        public var household_warnings: [String]?
        /// Each scan target's own schedule and last scan; the fields above are of the most recent scan.
        public var targets: [Target]

        /// One scan target in `bridge/info`.
        public struct Target: Encodable, Sendable, Equatable {
            public var name: String
            public var hosts: [String]
            public var interval_seconds: Double
            public var last_scan_start: String?
            public var last_scan_duration_seconds: Double?
            /// `ok`, `failed` or `outage`; nil before its first scan.
            public var last_scan_result: String?
            public var consecutive_failures: Int
            public var consecutive_outages: Int
        }
    }

    public static func bridgeInfo(_ info: BridgeInfo) -> [UInt8] {
        encode(info)
    }
}
