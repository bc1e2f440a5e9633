/// Stops the reader thread when the last `PassiveListener`, `PassiveSightings` or iterator that holds
/// it goes away. The thread itself holds only the stop signal, never this.
final class ListenerLifetime: Sendable {
    let stop: StopSignal

    init(stop: StopSignal) {
        self.stop = stop
    }

    deinit {
        stop.signal()
    }
}
