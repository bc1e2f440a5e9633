import Presence

/// Decides what the broker should hear about the devices, so that a scan which only confirms that
/// everyone is still there publishes nothing (Home Assistant's recorder writes a row for every
/// attributes message that differs from the last one).
///
/// It remembers each device as it was last shown. A device is shown again when something a user would
/// notice changed (state, IP, name, vendor, host name, reason, ...), and then with its current
/// `last_seen`. `last_seen` alone is refreshed for every device at once, at most every `lastSeenRefresh`
/// (zero: never on its own), so in steady state each device's attributes and the devices list go out
/// once per refresh. Pure: the caller encodes and hands the topics to the publisher.
struct DeviceMirror: Sendable {
    /// What one update asks the caller to publish.
    struct Update: Sendable, Equatable {
        /// Devices to publish again (state, attributes, discovery), as they should be shown.
        var devices: [Device] = []
        /// The devices list, when it changed; nil when it did not.
        var list: [Device]?

        var isEmpty: Bool { devices.isEmpty && list == nil }
    }

    private let lastSeenRefresh: Double
    /// Each listed device as last shown: its `lastSeen` is the one published.
    private var shown: [String: Device] = [:]
    /// The order of the devices list as last published (the engine's order).
    private var listed: [String] = []
    /// When `last_seen` was last refreshed for everyone (monotonic seconds); nil before the first update.
    private var refreshedAt: Double?

    init(lastSeenRefresh: Duration) {
        self.lastSeenRefresh = lastSeenRefresh.timeInterval
    }

    /// Compares `devices` (the engine's, deleted ones included) with what was shown, at monotonic `now`.
    mutating func update(_ devices: [Device], at now: Double) -> Update {
        var update = Update()
        let refreshing = refreshedAt.map { lastSeenRefresh > 0 && now - $0 >= lastSeenRefresh } ?? true
        if refreshing { refreshedAt = now }
        var ids: [String] = []
        var next: [String: Device] = [:]
        next.reserveCapacity(devices.count)
        var listChanged = false
        for device in devices where !device.deleted {
            ids.append(device.id)
            var showing = device
            if let before = shown[device.id] {
                var unchanged = device
                unchanged.lastSeen = before.lastSeen
                if unchanged == before {
                    // Only last_seen moved (or nothing): keep showing the old one unless it is refresh time.
                    if !refreshing || before.lastSeen == device.lastSeen {
                        next[device.id] = before
                        continue
                    }
                }
                showing = device
            }
            next[device.id] = showing
            update.devices.append(showing)
            listChanged = true
        }
        if listChanged || ids != listed || next.count != shown.count {
            update.list = ids.compactMap { next[$0] }
        }
        shown = next
        listed = ids
        return update
    }

    /// Forgets what was shown of `id` (forgotten, deleted, no longer tracked): if it comes back, it is new.
    mutating func remove(_ id: String) {
        shown.removeValue(forKey: id)
    }

    /// Everything is shown again at the next update (a new connection resends anyway; this is for callers
    /// that need every payload encoded afresh).
    mutating func reset() {
        shown = [:]
        listed = []
    }
}
