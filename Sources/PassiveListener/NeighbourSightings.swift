import NetworkAddresses

/// Which neighbour-table events mean the device was heard, for the fallback without `CAP_NET_RAW`.
///
/// The kernel announces state changes, not frames, and some changes are only clocks running out, so:
/// - REACHABLE is a sighting: the kernel just had a confirmation from the device (an ARP reply, or an
///   upper protocol's, such as a TCP acknowledgement).
/// - STALE is a sighting when the kernel learned the address from a frame of the device itself (an ARP
///   request to this host): the entry is new, had no address, or had another MAC. It is not when a
///   REACHABLE (or DELAY, PROBE) entry with the same MAC merely aged: that happens about 30 s after
///   the last confirmation, device present or not.
/// - DELAY and PROBE are not: the kernel is asking, and has no answer yet. Nor are INCOMPLETE, FAILED,
///   NOARP, PERMANENT and deletions.
///
/// To tell aging from learning it remembers each entry's last state, in a bounded table seeded from a
/// dump of the table when the listener starts (the dump yields no sightings: those entries are old news).
struct NeighbourSightings: Sendable {
    struct Key: Hashable, Sendable {
        var interfaceIndex: Int32
        var ip: IPv4Address
    }

    struct Known: Sendable {
        var state: NeighbourMessageDecoder.State
        var mac: MACAddress?
    }

    private(set) var table: BoundedTable<Key, Known>

    init(capacity: Int) {
        table = BoundedTable(capacity: capacity)
    }

    /// Remembers an entry from the dump, without a sighting.
    mutating func seed(_ update: NeighbourMessageDecoder.Update) {
        let key = Key(interfaceIndex: update.interfaceIndex, ip: update.ip)
        if update.deleted {
            table.remove(key)
        } else {
            table.set(key, Known(state: update.state, mac: update.mac ?? table[key]?.mac))
        }
    }

    /// The sighting an event means, if any; remembers the entry's new state either way.
    mutating func sighting(for update: NeighbourMessageDecoder.Update) -> PassiveSighting? {
        let key = Key(interfaceIndex: update.interfaceIndex, ip: update.ip)
        let previous = table[key]
        seed(update)
        guard !update.deleted, let mac = update.mac, mac.isUnicast, !mac.isZero, update.ip.isPlausibleHost else { return nil }
        let seen: Bool
        if update.state.contains(.reachable) {
            seen = true
        } else if update.state.contains(.stale) {
            let aged = previous.map { $0.mac == mac && !$0.state.isDisjoint(with: [.reachable, .delay, .probe, .stale]) } ?? false
            seen = !aged
        } else {
            seen = false
        }
        return seen ? PassiveSighting(mac: mac, ip: update.ip, kind: .neighbour, interfaceIndex: update.interfaceIndex) : nil
    }
}
