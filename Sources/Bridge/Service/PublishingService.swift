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
    let topics: Topics

    func run() async {
        await cancelWhenGracefulShutdown { await publisher.run(client: sink) }
        guard sink.isConnected else { return }
        await publisher.flush(through: sink, within: .milliseconds(500))
        let (broker, topic) = (sink, topics.bridgeState)
        await withTimeout(.seconds(1)) {
            try? await broker.publish(topic, payload: Array("offline".utf8), retain: true)
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
