import Foundation
import TestSupport

/// The real `mosquitto_sub`, as a witness independent of our client: it proves that what our client
/// sent (a message, its properties, a will) is on the broker for any MQTT client to see.
struct CLISubscriber {
    let process: ChildProcess

    /// Starts `mosquitto_sub` for `count` messages on `topic` (exits by itself after them, or after
    /// `timeoutSeconds`), and returns once the broker acknowledged its subscription.
    /// Each message is printed as `format` (mosquitto_sub's `-F`; default: topic, a space, payload).
    static func start(
        _ broker: MosquittoBroker, topic: String, count: Int = 1, format: String = "%t %p",
        timeoutSeconds: Int = 10, extraArguments: [String] = []
    ) async throws -> CLISubscriber {
        let output = broker.directory + "/mosquitto_sub-\(UUID().uuidString.prefix(8)).out"
        // stdbuf: mosquitto_sub block-buffers its stdout into a file, and we must see its SUBACK line now.
        let process = try ChildProcess(
            "stdbuf",
            [
                "-oL", try ChildProcess.locate("mosquitto_sub"), "-h", broker.host, "-p", "\(broker.port)", "-V", "5", "-q", "1", "-t", topic, "-C",
                "\(count)",
                "-W", "\(timeoutSeconds)", "-d", "-F", format,
            ] + extraArguments, outputFile: output)
        let subscriber = CLISubscriber(process: process)
        try await withTimeout(.seconds(30), "mosquitto_sub to be subscribed to \(topic)") {
            while !process.output.contains("received SUBACK") {
                if process.hasExited { throw HarnessError("mosquitto_sub ended before subscribing: \(process.output)") }
                try await Task.sleep(for: .milliseconds(5))
            }
        }
        return subscriber
    }

    /// Waits for `mosquitto_sub` to end and returns the messages it printed (debug lines removed).
    /// Throws when it timed out or failed instead of receiving its messages.
    func messages(within limit: Duration = .seconds(12)) async throws -> [String] {
        guard let code = await process.waitForExit(within: limit) else {
            await process.kill()
            throw HarnessError("mosquitto_sub did not end within \(limit); output:\n\(process.output)")
        }
        guard code == 0 else {
            throw HarnessError("mosquitto_sub exited with code \(code) (27 means it timed out waiting for messages); output:\n\(process.output)")
        }
        return printedMessages
    }

    /// What it printed so far, debug lines removed.
    var printedMessages: [String] {
        process.output.split(separator: "\n").map(String.init).filter { line in
            !line.hasPrefix("Client ") && !line.hasPrefix("Subscribed (mid")
        }
    }
}
