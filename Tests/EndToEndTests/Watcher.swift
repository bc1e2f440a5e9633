import Foundation
import Logging
import Mosquitto
import TestSupport

/// A subscriber to everything (`#`) on a test broker, as Home Assistant or a dashboard would be.
struct Watcher {
    let client: MosquittoClient
    let log: MessageLog

    static func start(port: Int, filter: String = "#", username: String? = nil, password: String? = nil) async throws -> Watcher {
        let configuration = MQTTConfiguration(host: "127.0.0.1", port: port, clientID: "e2e-watch-\(UUID().uuidString.prefix(8))",
                                              username: username, password: password)
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

    /// The latest `bridge/info` as JSON.
    func bridgeInfo(since: Date = .distantPast) -> [String: Any]? {
        guard let entry = log.on("nmap2mqtt/bridge/info", since: since).last else { return nil }
        return try? JSONSerialization.jsonObject(with: Data(entry.message.payload)) as? [String: Any]
    }

    /// Waits for a `bridge/info` that satisfies `check`.
    @discardableResult
    func waitForInfo(_ what: String, within limit: Duration, since: Date = .distantPast,
                     _ check: @escaping ([String: Any]) -> Bool) async throws -> [String: Any] {
        try await log.wait("bridge/info: \(what)", within: limit, since: since) { entries in
            for entry in entries.reversed() where entry.message.topic == "nmap2mqtt/bridge/info" {
                if let json = try? JSONSerialization.jsonObject(with: Data(entry.message.payload)) as? [String: Any], check(json) {
                    return json
                }
            }
            return nil
        }
    }

    /// The `not_home` states that went out since `since`.
    func notHome(since: Date) -> [(id: String, state: String)] {
        states(since: since).filter { $0.state == "not_home" }
    }

    /// The `departed` events since `since`.
    func departures(since: Date) -> [MessageLog.Entry] {
        log.on("nmap2mqtt/events", since: since).filter { $0.message.string.contains("\"departed\"") }
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
func retainedSnapshot(port: Int, until what: String, within limit: Duration,
                      _ complete: @escaping ([String: String]) -> Bool) async throws -> [String: String] {
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

/// A temporary directory with a config for the daemon against `port`, whose nmap is `nmapPath`.
struct BridgeSetup {
    let directory: String
    var configFile: String { directory + "/config.yaml" }
    var stateFile: String { directory + "/state.json" }
    var logFile: String { directory + "/daemon.log" }

    /// A fresh directory, once one of ``DaemonSlots`` is free; `remove()` gives the slot back.
    static func make() async throws -> BridgeSetup {
        await DaemonSlots.shared.acquire()
        do {
            return BridgeSetup(directory: try temporaryDirectory())
        } catch {
            DaemonSlots.shared.release()
            throw error
        }
    }

    init(directory: String) {
        self.directory = directory
    }

    func remove() {
        try? FileManager.default.removeItem(atPath: directory)
        DaemonSlots.shared.release()
    }

    /// Writes config.yaml. `scan` and `mqtt` lines are appended inside their sections; `extra` at the top level.
    func writeConfig(port: Int, nmapPath: String, hosts: String = "198.18.42.0/24", interval: Int = 1, considerHome: Int = 3,
                     timeout: Int = 2, scanOptions: String = "-sn", mqtt: [String] = [], scan: [String] = [],
                     stateFile: String? = nil, extra: [String] = []) throws {
        let text = """
        mqtt:
          host: 127.0.0.1
          port: \(port)
          client_id: nmap2mqtt-e2e-\(UUID().uuidString.prefix(8))
        \(mqtt.map { "  " + $0 }.joined(separator: "\n"))
        scan:
          hosts: "\(hosts)"
          scan_options: "\(scanOptions)"
          interval_seconds: \(interval)
          consider_home: \(considerHome)
          timeout: \(timeout)
          nmap_path: \(nmapPath)
          listen: false  # outside the lab: never listen on this machine's interfaces
        \(scan.map { "  " + $0 }.joined(separator: "\n"))
        state_file: \(stateFile ?? self.stateFile)
        log_level: debug
        web:
          port: 0  # a free port: daemons of tests running at once each get one
        \(extra.joined(separator: "\n"))

        """
        try text.write(toFile: configFile, atomically: true, encoding: .utf8)
    }

    func startDaemon() throws -> Daemon {
        try Daemon.start(["run", "--config", configFile], logFile: logFile)
    }
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
