import Mosquitto
import NmapScanner

/// Where the presence service meets nmap: one scan of a target's hosts (all of them, or one chunk), and
/// the re-probe of one address. `target` is the index into `scan`'s effective targets, whose nmap
/// settings apply. The daemon passes ``TargetScanners``; unit tests pass a scripted network.
protocol NetworkScanning: Sendable {
    /// One complete scan of `hosts` with target `target`'s settings, leaving out `alsoExclude` (`home_interval`).
    func scan(target: Int, hosts: [String], alsoExclude: [String]) async -> ScanReport
    /// The re-probe before a departure (``NmapScanner/probe(address:witnesses:)``), with the device's target's settings.
    func probe(target: Int, address: String, witnesses: [String]) async -> ProbeReport
}

/// Where the publisher meets the broker: one message out, acknowledged (QoS 1) or refused. The daemon
/// passes ``MosquittoClient``; unit tests pass a recording broker.
protocol MessageSink: Sendable {
    var isConnected: Bool { get }
    /// Throws ``MosquittoError`` with the codes ``MosquittoClient/publish(_:payload:qos:retain:properties:)``
    /// documents: `notConnected` (nothing sent), `connectionLost`, `publishRejected`, ...
    func publish(_ topic: String, payload: [UInt8], retain: Bool) async throws(MosquittoError)
}

extension MosquittoClient: MessageSink {
    func publish(_ topic: String, payload: [UInt8], retain: Bool) async throws(MosquittoError) {
        try await publish(topic, payload: payload, qos: .atLeastOnce, retain: retain, properties: nil)
    }
}
