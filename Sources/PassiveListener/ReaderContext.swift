import Logging

/// What a source's read loop needs besides its sockets.
struct ReaderContext: Sendable {
    let continuation: AsyncStream<PassiveSighting>.Continuation
    let stop: StopSignal
    let counters: ListenerCounters
    let limiter: SightingRateLimiter
    /// Remembered neighbour entries (the neighbour source only).
    let neighbourTableLimit: Int
    let logger: Logger

    /// Passes `sighting` on if the rate limiter lets it.
    func offer(_ sighting: PassiveSighting, to limiter: inout SightingRateLimiter) {
        counters.sightingsDecoded.add(1, ordering: .relaxed)
        let admitted = limiter.admit(sighting, now: LinuxABI.monotonicNanoseconds())
        counters.trackedAddresses.store(limiter.trackedAddresses, ordering: .relaxed)
        guard admitted else { return }
        counters.sightingsPassed.add(1, ordering: .relaxed)
        continuation.yield(sighting)
    }
}
