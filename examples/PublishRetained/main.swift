// Publishes one retained message through the Mosquitto module and disconnects cleanly.
//
//   swift run publish-retained [HOST] [PORT] [TOPIC] [MESSAGE]
//   mosquitto_sub -h HOST -p PORT -t TOPIC -C 1   # reads it back, retained
import Logging
import Mosquitto

#if canImport(Glibc)
import Glibc
#endif

let arguments = CommandLine.arguments.dropFirst()
let host = arguments.first ?? "localhost"
let port = arguments.dropFirst().first.flatMap(Int.init) ?? 1883
let topic = arguments.dropFirst(2).first ?? "nmap2mqtt/example"
let message = arguments.dropFirst(3).first ?? "hello from nmap2mqtt"

var logger = Logger(label: "publish-retained")
logger.logLevel = .info

do {
    let client = try MosquittoClient(configuration: MQTTConfiguration(host: host, port: port, clientID: "publish-retained"), logger: logger)
    try await client.connect()
    try await client.publish(topic, message, qos: .atLeastOnce, retain: true)
    print("published retained \"\(message)\" to \(topic) on \(host):\(port)")
    await client.disconnect()
} catch {
    print("publish-retained: \(error)")
    exit(1)
}
