import Foundation

/// What a household publishes (issue 16), as the watcher sees it.
extension Household {
    /// `nmap2mqtt/nodes/<node>/state`: `online`/`offline`, the node's will.
    static func nodeStateTopic(_ node: String) -> String { "nmap2mqtt/nodes/\(node)/state" }

    /// `nmap2mqtt/nodes/<node>/info`.
    static func nodeInfoTopic(_ node: String) -> String { "nmap2mqtt/nodes/\(node)/info" }

    /// `nmap2mqtt/nodes/<node>/devices/<id>`: that node's own view of the device.
    static func nodeDeviceTopic(_ node: String, _ id: String) -> String { "nmap2mqtt/nodes/\(node)/devices/\(id)" }

    /// Waits until every node in `nodes` is online, `leader` publishes `bridge/info` as the leader with
    /// every one of `nodes` online in it, and every device in `ids` is announced and home on the shared
    /// topics. Returns that `bridge/info`.
    @discardableResult
    func waitForHousehold(
        leader: String, nodes: [String], ids: [String], within limit: Duration = .seconds(60), since: Date = .distantPast
    ) async throws -> Published.BridgeInfo {
        let deadline = ContinuousClock.now + limit
        func remaining() -> Duration { max(.zero, deadline - ContinuousClock.now) }
        for node in nodes {
            // A daemon that refused to start fails the wait at once, with its own words.
            while !log.on(Self.nodeStateTopic(node), since: since).contains(where: { $0.message.string == "online" }) {
                if let dead = plans.first(where: { $0.id == node && startedDaemonHasExited($0.name) }) {
                    let log = self.node(dead.name).daemon.log
                    throw EndToEndError("node \(node) (\(dead.name)) exited before it was online; its log ends:\n\(log.suffix(2000))")
                }
                guard ContinuousClock.now < deadline else {
                    let seen = log.on(Self.nodeStateTopic(node)).map { "\($0.at): \($0.message.string)" }
                    throw EndToEndError("timed out after \(limit) waiting for \(node) online since \(since); its state topic had: \(seen)")
                }
                try await Task.sleep(for: .milliseconds(50))
            }
        }
        try await watcher.waitForAll(ids, within: remaining(), since: since)
        return try await waitForLeader(leader, within: remaining(), since: since) { info in
            let online = Set((info.nodes ?? []).filter(\.online).map(\.node))
            return online.isSuperset(of: nodes)
        }
    }

    /// Waits for a `bridge/info` published by `node` as the leader (its `node` and `leader` fields)
    /// that also satisfies `check`.
    @discardableResult
    func waitForLeader(
        _ node: String, within limit: Duration, since: Date = .distantPast,
        _ check: @escaping (Published.BridgeInfo) -> Bool = { _ in true }
    ) async throws -> Published.BridgeInfo {
        try await watcher.waitForInfo("\(node) leads", within: limit, since: since) { info in
            info.node == node && info.leader == node && check(info)
        }
    }

    /// Whether node `name` has a daemon that has ended (false while none was started).
    func startedDaemonHasExited(_ name: String) -> Bool {
        node(name).startedDaemons.last?.process.hasExited ?? false
    }

    /// The newest discovery config of device `id`.
    func discovery(of id: String) throws -> Published.TrackerConfig {
        let topic = "homeassistant/device_tracker/\(id)/config"
        guard let entry = log.on(topic).last(where: { !$0.message.payload.isEmpty }) else { throw EndToEndError("no discovery of \(id) yet") }
        return try entry.decoded(as: Published.TrackerConfig.self)
    }

    /// The newest view of device `id` that node `node` published, or nil.
    func view(of id: String, by node: String) throws -> Published.NodeDevice? {
        guard let entry = log.on(Self.nodeDeviceTopic(node, id)).last(where: { !$0.message.payload.isEmpty }) else { return nil }
        return try entry.decoded(as: Published.NodeDevice.self)
    }

    /// Every message on any topic since `since` whose topic or payload names one of `ids` (or their MACs).
    func messages(naming ids: [String], since: Date) -> [MessageLog.Entry] {
        let macs = ids.map { id in stride(from: 0, to: 12, by: 2).map { String(id.dropFirst($0).prefix(2)) }.joined(separator: ":") }
        return log.all.filter { entry in
            guard entry.at >= since else { return false }
            let text = entry.message.string.lowercased()
            return ids.contains { entry.message.topic.contains($0) || text.contains($0) } || macs.contains { text.contains($0) }
        }
    }

    /// The runs of node `name`'s stand-in nmap so far, one argument list each (the mode dropped).
    func nmapRuns(of name: String) -> [[String]] {
        nmapCalls(of: name).map { $0.split(separator: " ").dropFirst().map(String.init) }
    }

    /// The stand-in's mode (``StandInNmap/Mode``) at each run of node `name`'s nmap so far.
    func nmapModes(of name: String) -> [String] {
        nmapCalls(of: name).map { String($0.prefix { $0 != " " }) }
    }

    private func nmapCalls(of name: String) -> [Substring] {
        let calls = (try? String(contentsOfFile: node(name).directory + "/calls", encoding: .utf8)) ?? ""
        return calls.split(separator: "\n")
    }
}
