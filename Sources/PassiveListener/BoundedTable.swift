/// A dictionary that never holds more than `capacity` entries: inserting past it forgets the entry
/// inserted longest ago. Storage is reserved up front, so a storm of new keys costs no allocation,
/// and memory stays the same whatever arrives. Swift's hashing is seeded per process, so keys an
/// attacker picks cannot be made to collide.
///
/// Oldest-inserted rather than least-recently-used: a key forgotten while still active only costs the
/// one extra sighting its next frame passes on.
struct BoundedTable<Key: Hashable & Sendable, Value: Sendable>: Sendable {
    let capacity: Int
    private var values: [Key: Value]
    /// Keys in insertion order, a ring: `order[next]` is the oldest once the table is full.
    private var order: [Key]
    private var next = 0

    init(capacity: Int) {
        precondition(capacity > 0, "a bounded table needs room for one entry")
        self.capacity = capacity
        values = Dictionary(minimumCapacity: capacity)
        order = []
        order.reserveCapacity(capacity)
    }

    var count: Int { values.count }

    subscript(key: Key) -> Value? { values[key] }

    /// Sets the value of `key`, forgetting the oldest entry first when the table is full.
    mutating func set(_ key: Key, _ value: Value) {
        if values.updateValue(value, forKey: key) != nil { return }
        if order.count < capacity {
            order.append(key)
            return
        }
        values.removeValue(forKey: order[next])
        order[next] = key
        next = (next + 1) % capacity
    }

    /// Forgets `key` (its place in the ring stays until it comes round: the ring may then evict a key
    /// that is no longer there, which is harmless).
    mutating func remove(_ key: Key) {
        values.removeValue(forKey: key)
    }
}
