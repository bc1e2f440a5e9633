#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// One tracked device as the page shows it. Every string but ``id`` and ``state`` may come from the
/// network (a DHCP host name, a name a user typed, a vendor, a reason quoting them) and is escaped when
/// rendered.
public struct DeviceStatus: Sendable, Equatable {
    /// A device's presence, spelled as Home Assistant's `device_tracker` payloads.
    public enum State: String, Sendable, Hashable, Codable, CaseIterable {
        case home
        case notHome = "not_home"
    }

    /// The device's key: its MAC (upper case, colons), or its IP for devices tracked without a MAC.
    /// Keys ``StatusSnapshot/timeline`` and labels `nmap2mqtt_device_home{id=...}`.
    public var id: String
    /// The name shown: the configured name, else the host name, else the MAC or IP.
    public var name: String
    /// `home` or `not_home`.
    public var state: State
    /// When the device entered ``state``; nil when unknown (restored from an older state file).
    public var since: Date?
    /// When the device was last seen by any source.
    public var lastSeen: Date
    /// Its last known IPv4 or IPv6 address; empty when none is known.
    public var ip: String
    /// Its MAC, when known.
    public var mac: String?
    /// The vendor of its MAC prefix (nmap's table), when known.
    public var vendor: String?
    /// The host name it gave (DHCP, reverse DNS), when known.
    public var hostName: String?
    /// What saw it last: `scan`, `re-probe` or `passive` (free text; shown escaped).
    public var lastSource: String
    /// Why it is in its state, in words ("not seen since 14:02; re-probe of 192.0.2.7 got no answer").
    public var reason: String

    public init(
        id: String,
        name: String,
        state: State,
        since: Date? = nil,
        lastSeen: Date,
        ip: String,
        mac: String? = nil,
        vendor: String? = nil,
        hostName: String? = nil,
        lastSource: String,
        reason: String
    ) {
        self.id = id
        self.name = name
        self.state = state
        self.since = since
        self.lastSeen = lastSeen
        self.ip = ip
        self.mac = mac
        self.vendor = vendor
        self.hostName = hostName
        self.lastSource = lastSource
        self.reason = reason
    }
}
