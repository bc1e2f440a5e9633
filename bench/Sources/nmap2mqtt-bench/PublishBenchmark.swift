import ArgumentParser
import Foundation
import Logging
import Mosquitto

/// Publishes `count` messages through the Mosquitto module to a local broker, the way a program using
/// the module would: QoS 0 in a plain loop, QoS 1 with up to `window` publishes awaiting their PUBACK
/// at once (libmosquitto keeps its own in-flight limit below that and queues the rest, as it does for
/// `mosquitto_pub -l`). QoS 0 ends with one QoS 1 publish on the same connection: its PUBACK means the
/// broker has read every message before it. The script times the whole process, as it does for
/// `mosquitto_pub` and paho-mqtt; the in-process figure is printed beside it.
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
            try await client.publish(topic, payload: payload, qos: .atLeastOnce)
        } else {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for index in 0..<count {
                    if index >= window { try await group.next() }
                    group.addTask { try await client.publish(topic, payload: payload, qos: .atLeastOnce) }
                }
                try await group.waitForAll()
            }
        }
        let took = clock.now - started
        await client.disconnect()
        JSONLine.print([
            "tool": "nmap2mqtt", "qos": qos, "count": count, "in_process_seconds": took.seconds,
            "peak_rss_kib": ProcessMemory.current().peakResidentKiB,
        ])
    }
}
