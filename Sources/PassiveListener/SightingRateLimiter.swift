import NetworkAddresses

/// Decides which sightings are passed on, so that a storm of frames costs the consumer nothing.
///
/// Per MAC, the first sighting in each `interval` passes; within the interval, a sighting that says
/// something new (another kind, or another address) passes too, up to `burst` in all. So a phone
/// joining (DISCOVER, REQUEST, ARP probes, an announcement) is passed on in full, while 10,000
/// identical ARP frames a second from one MAC pass one a second. The table of MACs is bounded
/// (`BoundedTable`): with frames from ever new MACs, each new MAC passes once and memory stays fixed.
///
/// Pure: the caller gives the time (monotonic nanoseconds).
struct SightingRateLimiter: Sendable {
    struct Entry: Sendable {
        var windowStart: UInt64
        var passedInWindow: Int
        var kind: PassiveSighting.Kind
        var ip: IPv4Address?
        var requestedIP: IPv4Address?
    }

    let interval: UInt64
    let burst: Int
    private(set) var table: BoundedTable<MACAddress, Entry>

    init(interval: Duration, burst: Int, capacity: Int) {
        precondition(burst >= 1, "burst must let one sighting through")
        let (seconds, attoseconds) = interval.components
        self.interval = UInt64(max(0, seconds)) * 1_000_000_000 + UInt64(max(0, attoseconds) / 1_000_000_000)
        self.burst = burst
        table = BoundedTable(capacity: capacity)
    }

    var trackedAddresses: Int { table.count }

    /// Whether to pass `sighting` on, seen at `now`.
    mutating func admit(_ sighting: PassiveSighting, now: UInt64) -> Bool {
        guard var entry = table[sighting.mac] else {
            table.set(sighting.mac, Entry(sighting, at: now))
            return true
        }
        if now &- entry.windowStart >= interval || now < entry.windowStart {
            table.set(sighting.mac, Entry(sighting, at: now))
            return true
        }
        let isNews = entry.kind != sighting.kind || entry.ip != sighting.ip || entry.requestedIP != sighting.requestedIP
        guard isNews, entry.passedInWindow < burst else { return false }
        entry.passedInWindow += 1
        entry.kind = sighting.kind
        entry.ip = sighting.ip
        entry.requestedIP = sighting.requestedIP
        table.set(sighting.mac, entry)
        return true
    }
}

extension SightingRateLimiter.Entry {
    init(_ sighting: PassiveSighting, at now: UInt64) {
        self.init(windowStart: now, passedInWindow: 1, kind: sighting.kind, ip: sighting.ip, requestedIP: sighting.requestedIP)
    }
}
