import Foundation
import Logging
import Mosquitto
import NmapScanner
import Presence
import Synchronization

@testable import Bridge

/// A broker stand-in at the publisher's port: records what it is handed and can refuse or drop.
final class RecordingSink: MessageSink {
    struct Message: Equatable {
        var topic: String
        var payload: String
        var retain: Bool
    }

    enum Behaviour {
        case accept, disconnected, lose, timeOut, refuse
    }

    private let state = Mutex((messages: [Message](), behaviour: Behaviour.accept, attempts: 0))

    var messages: [Message] { state.withLock { $0.messages } }
    /// Calls to `publish`, refused ones included.
    var attempts: Int { state.withLock { $0.attempts } }
    var isConnected: Bool { state.withLock { $0.behaviour != .disconnected } }

    func behave(_ behaviour: Behaviour) {
        state.withLock { $0.behaviour = behaviour }
    }

    func publish(_ topic: String, payload: [UInt8], retain: Bool) async throws(MosquittoError) {
        let behaviour = state.withLock { state in
            state.attempts += 1
            if state.behaviour != .disconnected {
                state.messages.append(Message(topic: topic, payload: String(decoding: payload, as: UTF8.self), retain: retain))
            }
            return state.behaviour
        }
        switch behaviour {
        case .accept: return
        case .disconnected: throw MosquittoError(.notConnected, "not connected")
        case .lose: throw MosquittoError(.connectionLost, "connection lost")
        case .timeOut: throw MosquittoError(.cancelled, "no acknowledgement")
        case .refuse: throw MosquittoError(.publishRejected, "not authorised")
        }
    }
}

/// A network for the presence service: each scan and re-probe answers from what the test set. A scan
/// reports the hosts its host list covers (as nmap would), so a chunk sees only its own block.
final class ScriptedNetwork: NetworkScanning {
    /// One scan as the service asked for it.
    struct Call: Equatable {
        var target: Int
        var hosts: [String]
    }

    private let state = Mutex(
        (hosts: [ScanHost](), failure: String?.none, failingChunks: Set<[String]>(), probe: ProbeReport.noAnswer, calls: [Call](), probes: [String]())
    )

    var scans: Int { state.withLock { $0.calls.count } }
    var calls: [Call] { state.withLock { $0.calls } }
    var probedAddresses: [String] { state.withLock { $0.probes } }

    func set(_ hosts: [ScanHost]) {
        state.withLock {
            $0.hosts = hosts
            $0.failure = nil
        }
    }

    func fail(_ reason: String) {
        state.withLock { $0.failure = reason }
    }

    /// Scans of exactly these hosts fail (one chunk), others answer.
    func failChunk(_ hosts: [String]) {
        state.withLock { _ = $0.failingChunks.insert(hosts) }
    }

    func answerProbes(_ report: ProbeReport) {
        state.withLock { $0.probe = report }
    }

    func scan(target: Int, hosts targets: [String], alsoExclude: [String]) async -> ScanReport {
        let matcher = AddressMatcher(targets: targets)
        let (hosts, failure) = state.withLock { state in
            state.calls.append(Call(target: target, hosts: targets))
            let failure = state.failingChunks.contains(targets) ? "nmap exited with status 1 (chunk \(targets))" : state.failure
            return (state.hosts.filter { matcher.contains($0.address) && !alsoExclude.contains($0.address) }, failure)
        }
        if let failure { return .failed(ScanFailure(kind: .nonZeroExit(1), message: failure)) }
        return .complete(ScanResult(startedAt: Date(), finishedAt: Date(), argv: ["nmap"], hosts: hosts, stats: RunStats(up: hosts.count)))
    }

    func probe(target: Int, address: String, witnesses: [String]) async -> ProbeReport {
        state.withLock { state in
            state.probes.append(address)
            return state.probe
        }
    }
}

/// Payloads decoded into types, as a subscriber reads them.
struct AttributesPayload: Decodable, Equatable {
    var ip: String
    var mac: String?
    var host_name: String?
    var manufacturer: String?
    var last_seen: String
    var reason: String
}

struct EventPayload: Decodable {
    var event: String
    var seq: UInt64
    var id: String
    var name: String
    var state: String
}

struct DevicesEntry: Decodable {
    var id: String
    var name: String
    var state: String
    var last_seen: String
}

struct DiscoveryConfig: Decodable {
    struct DeviceInfo: Decodable {
        var connections: [[String]]?
        var identifiers: [String]
        var name: String
        var manufacturer: String?
        var via_device: String?
    }

    struct Origin: Decodable {
        var name: String
        var sw_version: String
        var support_url: String
    }

    var unique_id: String
    var object_id: String?
    var state_topic: String
    var json_attributes_topic: String?
    var payload_home: String?
    var payload_not_home: String?
    var source_type: String?
    var device: DeviceInfo
    var origin: Origin
}

func decode<T: Decodable>(_ type: T.Type, _ bytes: [UInt8]?) throws -> T {
    try JSONDecoder().decode(T.self, from: Data(bytes ?? []))
}

let quietLogger: Logger = {
    var logger = Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }
    logger.logLevel = .critical
    return logger
}()

/// Polls `condition` until it holds (true) or `limit` passes (false): for states reached by another task. The
/// limit is generous: in the full suite, CPU-bound tests can hold both of a small machine's cooperative threads.
func eventually(within limit: Duration = .seconds(30), _ condition: () -> Bool) async -> Bool {
    let deadline = ContinuousClock.now + limit
    while !condition() {
        if ContinuousClock.now >= deadline { return false }
        try? await Task.sleep(for: .milliseconds(5))
    }
    return true
}
