import Foundation
import Logging
import Mosquitto
import TestSupport

/// A subscriber to everything (`#`) on a test broker, as Home Assistant or a dashboard would be.
struct Watcher {
    let client: MosquittoClient
    let log: MessageLog

    static func start(
        port: Int, filter: String = "#", username: String? = nil, password: String? = nil,
        tls: MQTTConfiguration.TLS? = nil
    ) async throws -> Watcher {
        let configuration = MQTTConfiguration(
            host: "127.0.0.1", port: port, clientID: "e2e-watch-\(UUID().uuidString.prefix(8))",
            username: username, password: password, tls: tls)
        let client = try MosquittoClient(configuration: configuration, logger: Logger(label: "e2e"))
        let log = MessageLog(client.messages)
        try await client.connect()
        try await client.subscribe(filter)
        return Watcher(client: client, log: log)
    }

    func stop() async { await client.disconnect() }

    /// Waits until the bridge is `online` and every device in `ids` has a discovery config and the
    /// state `state`.
    func waitForAll(_ ids: [String], state: String = "home", within limit: Duration = .seconds(30), since: Date = .distantPast) async throws {
        _ = try await log.waitFor("nmap2mqtt/bridge/state", within: limit, since: since, "bridge online") { $0 == "online" }
        for id in ids {
            _ = try await log.waitFor("homeassistant/device_tracker/\(id)/config", within: limit, since: since, "discovery of \(id)") { !$0.isEmpty }
            _ = try await log.waitFor("nmap2mqtt/\(id)/state", within: limit, since: since, "\(id) \(state)") { $0 == state }
        }
    }

    /// Waits for a `bridge/info` that satisfies `check`, the newest first.
    @discardableResult
    func waitForInfo(
        _ what: String, within limit: Duration, since: Date = .distantPast,
        _ check: @escaping (Published.BridgeInfo) -> Bool
    ) async throws -> Published.BridgeInfo {
        try await log.waitFor(
            "nmap2mqtt/bridge/info", as: Published.BridgeInfo.self, within: limit, since: since, newest: true,
            "bridge/info: \(what)", where: check
        ).payload
    }

    /// The latest attributes of device `id`.
    func attributes(of id: String) throws -> Published.Attributes {
        guard let entry = log.on("nmap2mqtt/\(id)/attributes").last else { throw EndToEndError("no attributes of \(id) yet") }
        return try entry.decoded(as: Published.Attributes.self)
    }

    /// The events since `since`, decoded.
    func events(since: Date = .distantPast) throws -> [Published.Event] {
        try log.on("nmap2mqtt/events", since: since).map { try $0.decoded(as: Published.Event.self) }
    }

    /// The `not_home` states that went out since `since`.
    func notHome(since: Date) -> [(id: String, state: String)] {
        states(since: since).filter { $0.state == "not_home" }
    }

    /// The `departed` events since `since`.
    func departures(since: Date) throws -> [Published.Event] {
        try events(since: since).filter { $0.event == .departed }
    }

    /// The device states that went out since `since`, by device id (the bridge's own state excepted).
    func states(since: Date) -> [(id: String, state: String)] {
        log.all.filter { $0.at >= since }.compactMap { entry in
            let parts = entry.message.topic.split(separator: "/", omittingEmptySubsequences: false)
            guard parts.count == 3, parts[0] == "nmap2mqtt", parts[2] == "state", parts[1] != "bridge" else { return nil }
            return (String(parts[1]), entry.message.string)
        }
    }
}

/// What a late subscriber finds retained on the broker (Home Assistant after its own restart).
func retainedSnapshot(
    port: Int, until what: String, within limit: Duration,
    _ complete: @escaping ([String: String]) -> Bool
) async throws -> [String: String] {
    let deadline = ContinuousClock.now + limit
    var last: [String: String] = [:]
    while ContinuousClock.now < deadline {
        if let watcher = try? await Watcher.start(port: port) {
            try await Task.sleep(for: .milliseconds(400))
            var retained: [String: String] = [:]
            for entry in watcher.log.all where entry.message.retain {
                retained[entry.message.topic] = entry.message.string
            }
            await watcher.stop()
            last = retained
            if complete(retained) { return retained }
        }
        try await Task.sleep(for: .milliseconds(200))
    }
    throw EndToEndError("timed out after \(limit) waiting for \(what); retained topics: \(last.keys.sorted())")
}

/// Resident memory of a process in KiB, from /proc/PID/status.
func residentKiB(_ pid: pid_t) -> Int? {
    guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return nil }
    for line in status.split(separator: "\n") where line.hasPrefix("VmRSS:") {
        return Int(line.split(whereSeparator: \.isWhitespace)[1])
    }
    return nil
}

/// Counts non-overlapping occurrences of `needle`.
func occurrences(of needle: String, in text: String) -> Int {
    text.components(separatedBy: needle).count - 1
}
