import Presence

/// The bridge's "publish only what a user would notice" rule (`DeviceMirror` in
/// Sources/Bridge/MQTT/DeviceMirror.swift, internal to Bridge, copied here without the devices list):
/// a device is shown again when anything but `last_seen` changed; `last_seen` alone is refreshed for
/// every device at once, at most every `lastSeenRefresh`. `shown` is what the broker retains.
struct ShownDevices {
    let lastSeenRefresh: Double
    /// Each device as last shown: what a subscriber of these topics holds.
    private(set) var shown: [String: Device] = [:]
    /// When `last_seen` was last refreshed for everyone (simulated seconds); nil before the first update.
    private var refreshedAt: Double?

    init(lastSeenRefresh: Double) {
        self.lastSeenRefresh = lastSeenRefresh
    }

    /// Whether an update at `now` would refresh `last_seen` for everyone.
    func refreshDue(at now: Double) -> Bool {
        refreshedAt.map { lastSeenRefresh > 0 && now - $0 >= lastSeenRefresh } ?? true
    }

    /// Compares `devices` with what was shown at `now`; returns the devices to publish again, with
    /// the device each replaces (nil: never shown).
    mutating func update(_ devices: [Device], at now: Double) -> [(device: Device, before: Device?)] {
        let refreshing = refreshDue(at: now)
        if refreshing { refreshedAt = now }
        var changed: [(device: Device, before: Device?)] = []
        var listed = 0
        for device in devices where !device.deleted {
            listed += 1
            if let shown = show(device, refreshing: refreshing) { changed.append(shown) }
        }
        if listed != shown.count { // gone (forgotten, deleted): shown no more
            let ids = Set(devices.lazy.filter { !$0.deleted }.map(\.id))
            shown = shown.filter { ids.contains($0.key) }
        }
        return changed
    }

    /// The same for a few devices only, when no refresh is due: what changed in an engine step (a device
    /// whose `last_seen` alone moved is not shown until the refresh, which compares them all).
    mutating func update(changed devices: [Device]) -> [(device: Device, before: Device?)] {
        devices.compactMap { $0.deleted ? nil : show($0, refreshing: false) }
    }

    private mutating func show(_ device: Device, refreshing: Bool) -> (device: Device, before: Device?)? {
        let before = shown[device.id]
        if let before {
            var unchanged = device
            unchanged.lastSeen = before.lastSeen
            if unchanged == before && (!refreshing || before.lastSeen == device.lastSeen) { return nil }
        }
        shown[device.id] = device
        return (device, before)
    }
}
