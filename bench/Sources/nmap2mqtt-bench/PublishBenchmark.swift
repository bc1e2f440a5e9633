import ArgumentParser
import Foundation
import Logging
import Mosquitto

/// Publishes `count` messages through the Mosquitto module to a local broker, the way a program using
/// the module would: QoS 0 in a plain loop, QoS 1 with up to `window` publishes awaiting their PUBACK
/// at once (libmosquitto keeps its own in-flight limit below that and queues the rest, as it does for
/// `mosquitto_pub -l`). The script times the whole process, as it does for `mosquitto_pub` and
/// paho-mqtt; the in-process figure is printed beside it.
///
/// A QoS 0 run sends one message more than asked (bench/run counts it), so that it can end either way:
/// `--until written` (the default) ends it the way `mosquitto_pub -l` ends: `disconnect()` returns once
/// DISCONNECT, queued behind every message, is written to the socket, and bench/run then checks that
/// the broker received them all. `--until acknowledged` makes the last message QoS 1 and waits for its
/// PUBACK, which means the broker has also read every message before it: a later finish line than
/// mosquitto_pub's, so it favours mosquitto_pub.
struct PublishBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "publish", abstract: "Publish N messages to a local broker and wait until it has them all.")

    @Option(help: "0 or 1.")
    var qos: Int

    @Option(help: "Messages to publish.")
    var count: Int

    @Option(help: "The broker's port on 127.0.0.1.")
    var port: Int

    @Option(help: "The topic.")
    var topic = "bench/nmap2mqtt"

    @Option(help: "The payload of every message.")
    var payload = #"{"state":"home"}"#

    @Option(help: "QoS 1 publishes awaiting their acknowledgement at once.")
    var window = 100

    enum Finish: String, ExpressibleByArgument {
        case written, acknowledged
    }

    @Option(help: "Where a QoS 0 run stops the clock: written (like mosquitto_pub -l) or acknowledged (a last QoS 1 PUBACK).")
    var until = Finish.written

    func run() async throws {
        guard qos == 0 || qos == 1 else { throw ValidationError("--qos must be 0 or 1, not \(qos)") }
        let client = try MosquittoClient(
            configuration: MQTTConfiguration(host: "127.0.0.1", port: port, clientID: "bench-swift-\(getpid())"),
            logger: Logger(label: "bench", factory: { _ in SwiftLogNoOpLogHandler() }))
        try await client.connect()
        let payload = Array(self.payload.utf8)
        let clock = ContinuousClock()
        let started = clock.now
        if qos == 0 {
            for _ in 0..<count {
                try await client.publish(topic, payload: payload, qos: .atMostOnce)
            }
            try await client.publish(topic, payload: payload, qos: until == .acknowledged ? .atLeastOnce : .atMostOnce)
        } else {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for index in 0..<count {
                    if index >= window { try await group.next() }
                    group.addTask { try await client.publish(topic, payload: payload, qos: .atLeastOnce) }
                }
                try await group.waitForAll()
            }
        }
        await client.disconnect()
        let took = clock.now - started
        JSONLine.print([
            "tool": "nmap2mqtt", "qos": qos, "count": count, "in_process_seconds": took.seconds,
            "peak_rss_kib": ProcessMemory.current().peakResidentKiB,
        ])
    }
}
