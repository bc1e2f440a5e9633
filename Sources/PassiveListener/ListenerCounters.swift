import Synchronization

/// What the reader thread counts, for `PassiveListener.statistics`: relaxed atomics, one uncontended
/// add per frame.
final class ListenerCounters: Sendable {
    let framesRead = Atomic<UInt64>(0)
    let sightingsDecoded = Atomic<UInt64>(0)
    let sightingsPassed = Atomic<UInt64>(0)
    let kernelDrops = Atomic<UInt64>(0)
    let trackedAddresses = Atomic<Int>(0)
    let running = Atomic<Bool>(true)

    var snapshot: PassiveListener.Statistics {
        PassiveListener.Statistics(
            framesRead: framesRead.load(ordering: .relaxed), sightingsDecoded: sightingsDecoded.load(ordering: .relaxed),
            sightingsPassed: sightingsPassed.load(ordering: .relaxed), kernelDrops: kernelDrops.load(ordering: .relaxed),
            trackedAddresses: trackedAddresses.load(ordering: .relaxed), isRunning: running.load(ordering: .relaxed))
    }
}
