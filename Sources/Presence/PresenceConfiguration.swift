/// The settings that shape presence decisions. Key names follow Home Assistant's `nmap_tracker`.
public struct PresenceConfiguration: Sendable {
    /// Grace after the last sighting before a device may be declared `not_home`. Default: 180 s.
    public var considerHome: Duration
    /// Devices seen this recently are left out of the next scan to spare their batteries; zero turns it off.
    /// Default: 0 (off).
    public var homeInterval: Duration
    /// MACs never to track, in any common spelling. Default: empty.
    public var excludeMACs: Set<String>
    /// Track MACs that are not listed in `devices`. Default: true.
    public var trackNewDevices: Bool
    /// Track hosts whose MAC cannot be known, keyed by IP (`ip_a_b_c_d`). Default: false.
    public var trackWithoutMAC: Bool
    /// Per-device settings keyed by MAC (any common spelling; normalized by the engine). Default: empty.
    public var devices: [String: DeviceSettings]
    /// Time between scan starts. A pause between two scans longer than this plus `watchSlack` was not
    /// watched (a hung nmap, a suspended machine) and counts against nobody. Default: 12 s.
    public var scanInterval: Duration
    /// How much later than `scanInterval` a scan may end and still count as watching without a gap. Default: 5 s.
    public var watchSlack: Duration
    /// How long before the grace runs out a re-probe may start, so that a re-probe that takes a few
    /// seconds (waking a phone, retries) does not delay departures; a silent re-probe still departs
    /// nobody before the grace is over. Default: 0.
    public var reprobeLead: Duration
    /// The node's scan targets, each watching its own devices; `apply(_:startedAt:at:target:)` names one
    /// by its index here. Default: one target made of `considerHome`, `homeInterval` and `scanInterval`
    /// (and following them while it is not set).
    public var targets: [PresenceTarget] {
        get {
            explicitTargets.flatMap { $0.isEmpty ? nil : $0 }
                ?? [PresenceTarget(considerHome: considerHome, homeInterval: homeInterval, scanInterval: scanInterval)]
        }
        set { explicitTargets = newValue }
    }
    /// The target whose scans would find a device at this address, by index into `targets`: for devices
    /// restored from the state file and devices heard between scans, which no scan has placed yet. Nil (or
    /// an index out of range) means the first target. Default: always the first.
    public var targetOfAddress: @Sendable (String) -> Int?

    private var explicitTargets: [PresenceTarget]?

    public init(
        considerHome: Duration = .seconds(180),
        homeInterval: Duration = .zero,
        excludeMACs: Set<String> = [],
        trackNewDevices: Bool = true,
        trackWithoutMAC: Bool = false,
        devices: [String: DeviceSettings] = [:],
        scanInterval: Duration = .seconds(12),
        watchSlack: Duration = .seconds(5),
        reprobeLead: Duration = .zero,
        targets: [PresenceTarget]? = nil,
        targetOfAddress: @escaping @Sendable (String) -> Int? = { _ in 0 }
    ) {
        self.considerHome = considerHome
        self.homeInterval = homeInterval
        self.excludeMACs = excludeMACs
        self.trackNewDevices = trackNewDevices
        self.trackWithoutMAC = trackWithoutMAC
        self.devices = devices
        self.scanInterval = scanInterval
        self.watchSlack = watchSlack
        self.reprobeLead = reprobeLead
        explicitTargets = targets
        self.targetOfAddress = targetOfAddress
    }
}
