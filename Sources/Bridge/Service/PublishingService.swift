import Logging
import Mosquitto
import ServiceLifecycle

/// Runs the ``TopicPublisher`` against the broker until graceful shutdown, then says the bridge's last
/// words: what is still waiting (so a change made just before the shutdown is not lost) and `offline`,
/// retained. In the service group it stops after every service that states something, and before the
/// broker session disconnects.
struct PublishingService<Sink: MessageSink>: Service {
    let publisher: TopicPublisher
    let sink: Sink
    /// The node's last words, in order (``BridgeState/lastWords()``): its own `offline`, and the shared
    /// one when no other node takes over.
    let lastWords: @Sendable () -> [(topic: String, payload: String)]

    func run() async {
        await cancelWhenGracefulShutdown { await publisher.run(client: sink) }
        let words = lastWords()
        guard sink.isConnected else { return }
        await publisher.flush(through: sink, within: .milliseconds(500))
        let broker = sink
        await withTimeout(.seconds(1)) {
            for (topic, payload) in words {
                try? await broker.publish(topic, payload: Array(payload.utf8), retain: true)
            }
        }
    }
}

/// Runs `operation`, giving up on it (cancelling it) after `timeout`.
func withTimeout(_ timeout: Duration, _ operation: @escaping @Sendable () async -> Void) async {
    await withTaskGroup(of: Void.self) { group in
        group.addTask { await operation() }
        group.addTask { try? await Task.sleep(for: timeout) }
        await group.next()
        group.cancelAll()
    }
}
