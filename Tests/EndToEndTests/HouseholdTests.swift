import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Several nodes, one truth per device (issue 16): daemons on different segments of the namespace
/// test LAN, on one broker under one base topic, form one household. Only the leader (the live node
/// with the lowest id) publishes the shared topics; a device is `home` while any live node sees it,
/// `not_home` only when every live node that has a view of it says so, and left as it was when its only
/// views come from dead nodes. Real nmap on the lab, real broker, the built daemon (root only).
@Suite(
    "A household: several nodes, one truth per device", .enabled(if: TestLAN.shouldRun, "\(TestLAN.unavailableReason ?? "")"),
    .serialized)
struct HouseholdTests {
    static let interval = 2
    static let considerHome = 6
    /// The leader of every scenario: the lowest id.
    static let a = "node-a"
    static let b = "node-b"

    /// How long a device on the lab takes to be declared `not_home` after it left: consider_home and one
    /// interval, plus nmap's stall when hosts vanish mid-scan (up to the scan timeout, then a failed
    /// scan), the next scan, and the re-probe (as in RealHomeTests).
    static let departure = Duration.seconds(considerHome + interval + 45)

    /// node-a on segment 1, node-b on segment 2.
    static let twoSegments = [HouseholdNode(a, segment: 0), HouseholdNode(b, segment: 1)]

    // MARK: a. Two nodes, two segments

    @Test("two nodes on two segments: each device once in the shared topics, home, available through the node that sees it")
    func twoNodesTwoSegments() async throws {
        try await withHousehold(nodes: Self.twoSegments) { household in
            let (log, idsA, idsB) = (household.log, household.ids(ofSegment: 0), household.ids(ofSegment: 1))
            #expect(Set(idsA).isDisjoint(with: idsB), "the segments must have different devices")
            try await household.waitForHousehold(leader: Self.a, nodes: [Self.a, Self.b], ids: household.ids)
            // Both nodes' views have reached the leader: six devices each, all home, no warning.
            let info = try await household.waitForLeader(Self.a, within: .seconds(20)) { info in
                (info.nodes ?? []).count == 2 && (info.nodes ?? []).allSatisfy { $0.online && $0.devices == 6 && $0.home == 6 }
            }
            #expect(info.nodes?.map(\.node).sorted() == [Self.a, Self.b], "bridge/info.nodes: \(info.nodes ?? [])")
            #expect(info.householdWarnings == [], "household_warnings: \(info.householdWarnings ?? [])")
            #expect(info.deviceCount == 12 && info.devicesHome == 12, "bridge/info: \(info.deviceCount) devices, \(info.devicesHome) home")

            for (node, other, ids) in [(Self.a, Self.b, idsA), (Self.b, Self.a, idsB)] {
                for id in ids {
                    let discovery = try household.discovery(of: id)
                    #expect(discovery.availability.map(\.topic) == [Household.nodeStateTopic(node)], "availability of \(id)")
                    #expect(discovery.availabilityMode == "any", "availability_mode of \(id)")
                    #expect(discovery.stateTopic == "nmap2mqtt/\(id)/state")
                    let (_, view) = try await log.waitFor(
                        Household.nodeDeviceTopic(node, id), as: Published.NodeDevice.self, within: .seconds(10), newest: true,
                        "\(node)'s view of \(id)")
                    #expect(view.id == id && view.state == .home, "\(node)'s view of \(id): \(view)")
                    #expect(log.on(Household.nodeDeviceTopic(other, id)).isEmpty, "\(other) has a view of \(id), which it cannot see")
                }
            }
            for (node, lab) in [(Self.a, household.labs[0]), (Self.b, household.labs[1])] {
                let (_, nodeInfo) = try await log.waitFor(
                    Household.nodeInfoTopic(node), as: Published.NodeInfo.self, within: .seconds(10), newest: true, "\(node)'s info")
                #expect(nodeInfo.node == node)
                #expect(nodeInfo.scanTargets == [lab.subnet], "\(node)'s scan_targets")
                #expect(nodeInfo.considerHomeSeconds == Double(Self.considerHome))
                #expect(nodeInfo.discovery && nodeInfo.discoveryPrefix == "homeassistant")
            }

            // What a late subscriber (Home Assistant after its restart) finds: one config and one state
            // per device, every one home, the devices list with each device once.
            let ids = household.ids
            let retained = try await retainedSnapshot(port: household.broker.port, until: "every device retained", within: .seconds(10)) {
                retained in
                retained["nmap2mqtt/bridge/state"] == "online" && retained[Household.nodeStateTopic(Self.a)] == "online"
                    && retained[Household.nodeStateTopic(Self.b)] == "online"
                    && ids.allSatisfy {
                        retained["homeassistant/device_tracker/\($0)/config"]?.isEmpty == false && retained["nmap2mqtt/\($0)/state"] == "home"
                    }
            }
            // The node topics are retained too: a node that joins later learns the household from them.
            for (node, segment) in [(Self.a, 0), (Self.b, 1)] {
                #expect(retained[Household.nodeInfoTopic(node)] != nil, "\(node)/info retained")
                let views = household.ids(ofSegment: segment).filter { retained[Household.nodeDeviceTopic(node, $0)] == nil }
                #expect(views.isEmpty, "\(node)'s views not retained: \(views)")
            }
            let configs = retained.filter { $0.key.hasPrefix("homeassistant/device_tracker/") && !$0.value.isEmpty }.keys
            #expect(Set(configs) == Set(ids.map { "homeassistant/device_tracker/\($0)/config" }), "retained configs: \(configs.sorted())")
            let states = household.watcher.states(since: .distantPast)
            #expect(Set(states.map(\.id)) == Set(ids), "shared state topics: \(Set(states.map(\.id)).sorted())")
            #expect(states.allSatisfy { $0.state == "home" }, "a shared state other than home: \(states.filter { $0.state != "home" })")
            let list = try Published.decode([Published.DeviceSummary].self, from: Array((retained["nmap2mqtt/devices"] ?? "[]").utf8))
            #expect(list.map(\.id).sorted() == ids.sorted(), "nmap2mqtt/devices: \(list.map(\.id))")
            #expect(list.allSatisfy { $0.state == .home })

            // Steady state: a scan that only confirms the devices publishes no view and no state.
            let quiet = Date()
            let runs = (household.nmapRuns(of: Self.a).count, household.nmapRuns(of: Self.b).count)
            try await waitUntil("three more scans of each node", within: .seconds(30)) {
                household.nmapRuns(of: Self.a).count >= runs.0 + 3 && household.nmapRuns(of: Self.b).count >= runs.1 + 3
            }
            let chatter = log.all.filter {
                $0.at >= quiet && ($0.message.topic.contains("/devices/") || isDeviceState($0.message.topic))
            }
            #expect(chatter.isEmpty, "published in steady state: \(chatter.map(\.message.topic))")
            // One leader: every heartbeat comes from node-a.
            let publishers = try log.on("nmap2mqtt/bridge/info", since: quiet).map { try $0.decoded(as: Published.BridgeInfo.self).node ?? "-" }
            #expect(!publishers.isEmpty && publishers.allSatisfy { $0 == Self.a }, "bridge/info published by: \(publishers)")
        }
    }

    // MARK: a'. Home Assistant restarts

    @Test("Home Assistant's birth: the leader alone announces every device again, once, with the household's availability")
    func homeAssistantBirth() async throws {
        try await withHousehold(nodes: Self.twoSegments) { household in
            let (log, ids) = (household.log, household.ids)
            try await household.waitForHousehold(leader: Self.a, nodes: [Self.a, Self.b], ids: ids)
            let birth = Date()
            try await household.watcher.client.publish("homeassistant/status", "online", qos: .atLeastOnce, retain: false)
            for id in ids {
                _ = try await log.waitFor(
                    "homeassistant/device_tracker/\(id)/config", within: .seconds(15), since: birth, "discovery of \(id) after the birth"
                ) { !$0.isEmpty }
                _ = try await log.waitFor("nmap2mqtt/\(id)/state", within: .seconds(10), since: birth, "the state of \(id) after the birth")
            }
            // Time for a second publisher (a follower answering too) to show.
            try await Task.sleep(for: .seconds(Self.interval * 2))
            for (node, segment) in [(Self.a, 0), (Self.b, 1)] {
                for id in household.ids(ofSegment: segment) {
                    let configs = log.on("homeassistant/device_tracker/\(id)/config", since: birth)
                    #expect(configs.count == 1, "\(id)'s discovery was sent \(configs.count) times after one birth")
                    let discovery = try household.discovery(of: id)
                    #expect(discovery.availability.map(\.topic) == [Household.nodeStateTopic(node)] && discovery.availabilityMode == "any")
                }
            }
            #expect(household.watcher.notHome(since: birth).isEmpty)
        }
    }

    // MARK: b. The leader dies

    @Test("the leader is killed: no device goes not_home, the other node leads and publishes, its last death ends in offline")
    func leaderKilled() async throws {
        try await withHousehold(nodes: Self.twoSegments) { household in
            let (log, watcher, idsA) = (household.log, household.watcher, household.ids(ofSegment: 0))
            try await household.waitForHousehold(leader: Self.a, nodes: [Self.a, Self.b], ids: household.ids)

            let killed = Date()
            await household.kill(Self.a)
            let will = try await log.waitFor(Household.nodeStateTopic(Self.a), within: .seconds(10), since: killed, "node-a's will") {
                $0 == "offline"
            }
            // node-b leads on that message: the household's bridge/state is online again within a scan interval
            // (after the leader seat's will said offline), its first heartbeat after its next scan.
            _ = try await log.waitFor(
                "nmap2mqtt/bridge/state", within: .seconds(Self.interval + 2), since: will.at, "bridge/state online from node-b"
            ) {
                $0 == "online"
            }
            let info = try await household.waitForLeader(Self.b, within: .seconds(Self.interval + 15), since: killed)
            let publishers = try log.on("nmap2mqtt/bridge/info", since: killed).map {
                try $0.decoded(as: Published.BridgeInfo.self).node ?? "-"
            }
            #expect(publishers.allSatisfy { $0 == Self.b }, "bridge/info after the takeover published by: \(publishers)")
            #expect(info.nodes?.first { $0.node == Self.a }?.online == false, "bridge/info.nodes: \(info.nodes ?? [])")

            // node-b publishes what changes on its own segment.
            let leaver = household.labs[1].host(4)
            let left = Date()
            try await household.labs[1].leave(leaver.index)
            _ = try await log.waitFor(
                "nmap2mqtt/\(leaver.deviceID)/state", within: Self.departure, since: left, "\(leaver.hostName) not_home, from node-b"
            ) { $0 == "not_home" }
            _ = try await log.waitFor("nmap2mqtt/events", as: Published.Event.self, within: .seconds(10), since: left, "the departed event") {
                $0.event == .departed && $0.device.mac == leaver.mac
            }
            // By now more than consider_home has passed since node-a died: its devices were left as they were.
            let notHome = watcher.notHome(since: killed)
            #expect(notHome.map(\.id) == [leaver.deviceID], "not_home since the leader died: \(notHome)")
            #expect(try watcher.departures(since: killed).map(\.device.mac) == [leaver.mac])
            for id in idsA {
                #expect(log.latest("nmap2mqtt/\(id)/state") == "home", "\(id), seen only by the dead node")
                // Unavailable in Home Assistant: its only availability topic is the dead node's.
                #expect(try household.discovery(of: id).availability.map(\.topic) == [Household.nodeStateTopic(Self.a)])
            }
            #expect(log.latest(Household.nodeStateTopic(Self.a)) == "offline")
            let list = try await log.waitFor(
                "nmap2mqtt/devices", as: [Published.DeviceSummary].self, within: .seconds(5), since: left, newest: true,
                "the devices list after the departure")
            for id in idsA {
                #expect(list.payload.first { $0.id == id }?.state == .home, "\(id) in the devices list")
            }
            let retained = try await retainedSnapshot(port: household.broker.port, until: "node-b's household", within: .seconds(10)) {
                $0["nmap2mqtt/bridge/state"] == "online" && $0[Household.nodeStateTopic(Self.b)] == "online"
            }
            #expect(retained[Household.nodeStateTopic(Self.a)] == "offline")

            // The last node dies too: the household's bridge/state ends offline (the leader's second will).
            let lastKilled = Date()
            await household.kill(Self.b)
            _ = try await log.waitFor("nmap2mqtt/bridge/state", within: .seconds(10), since: lastKilled, "bridge/state offline") { $0 == "offline" }
            _ = try await log.waitFor(Household.nodeStateTopic(Self.b), within: .seconds(10), since: lastKilled, "node-b's will") {
                $0 == "offline"
            }
            #expect(watcher.notHome(since: lastKilled).isEmpty, "not_home after the last node died: \(watcher.notHome(since: lastKilled))")
        }
    }

    // MARK: c. A departure on one segment

    @Test("a device leaves the segment only node-b sees: not_home after consider_home and a re-probe; the others stay home")
    func departureOnOneSegment() async throws {
        try await withHousehold(nodes: Self.twoSegments) { household in
            let (log, watcher) = (household.log, household.watcher)
            try await household.waitForHousehold(leader: Self.a, nodes: [Self.a, Self.b], ids: household.ids)
            let lab = household.labs[1]
            let leaver = lab.host(4)
            let id = leaver.deviceID
            let runsBefore = household.nmapRuns(of: Self.b).count
            let left = Date()
            try await lab.leave(leaver.index)

            // node-b's own view first, then the shared state the leader (node-a) merges from it.
            let (_, view) = try await log.waitFor(
                Household.nodeDeviceTopic(Self.b, id), as: Published.NodeDevice.self, within: Self.departure, since: left,
                "node-b's view of \(leaver.hostName) not_home"
            ) { $0.state == .notHome }
            #expect(view.ip == leaver.ip)
            _ = try await log.waitFor("nmap2mqtt/\(id)/state", within: .seconds(10), since: left, "\(leaver.hostName) not_home") { $0 == "not_home" }
            let (_, event) = try await log.waitFor(
                "nmap2mqtt/events", as: Published.Event.self, within: .seconds(10), since: left, "the departed event"
            ) { $0.event == .departed && $0.device.mac == leaver.mac }
            #expect(event.device.reason.contains("got no answer"), "reason: \(event.device.reason)")
            // Before the departure node-b re-probed the device's last address on its own.
            let probes = household.nmapRuns(of: Self.b).dropFirst(runsBefore).filter { $0.contains(leaver.ip) }
            #expect(!probes.isEmpty, "no re-probe of \(leaver.ip) by node-b; its runs: \(household.nmapRuns(of: Self.b).dropFirst(runsBefore))")

            let departed = Date()
            try await household.waitForLeader(Self.a, within: .seconds(20), since: departed) { info in
                info.nodes?.first { $0.node == Self.b }.map { $0.devices == 6 && $0.home == 5 } == true
                    && info.nodes?.first { $0.node == Self.a }.map { $0.devices == 6 && $0.home == 6 } == true
            }
            #expect(watcher.notHome(since: left).map(\.id) == [id], "not_home since the departure: \(watcher.notHome(since: left))")
            for other in household.ids where other != id {
                #expect(log.latest("nmap2mqtt/\(other)/state") == "home", "\(other) after \(leaver.hostName) left")
            }
            #expect(log.on(Household.nodeDeviceTopic(Self.a, id)).isEmpty, "node-a has a view of a device it cannot see")

            // It comes back: home again.
            let joined = Date()
            try await lab.join(leaver.index)
            _ = try await log.waitFor("nmap2mqtt/\(id)/state", within: .seconds(30), since: joined, "\(leaver.hostName) home again") {
                $0 == "home"
            }
        }
    }

    // MARK: d. A node restarts

    @Test(
        "a node restarts (SIGTERM, then the same config): no not_home and no removal on the shared topics",
        arguments: [HouseholdTests.a, HouseholdTests.b])
    func nodeRestarts(_ restarted: String) async throws {
        try await withHousehold(nodes: Self.twoSegments) { household in
            let (log, watcher) = (household.log, household.watcher)
            try await household.waitForHousehold(leader: Self.a, nodes: [Self.a, Self.b], ids: household.ids)

            let stopped = Date()
            #expect(await household.stop(restarted) == 0, "exit status after SIGTERM")
            _ = try await log.waitFor(Household.nodeStateTopic(restarted), within: .seconds(5), since: stopped, "\(restarted) offline") {
                $0 == "offline"
            }
            if restarted == Self.a {
                try await household.waitForLeader(Self.b, within: .seconds(Self.interval + 15), since: stopped)
            }
            let started = Date()
            try household.start(restarted)
            _ = try await log.waitFor(Household.nodeStateTopic(restarted), within: .seconds(20), since: started, "\(restarted) online again") {
                $0 == "online"
            }
            try await household.waitForLeader(Self.a, within: .seconds(30), since: started) { info in
                (info.nodes ?? []).count == 2 && (info.nodes ?? []).allSatisfy { $0.online && $0.home == 6 }
            }
            // More than consider_home of the restarted node's scans: a flap decided late would show.
            let runs = household.nmapRuns(of: restarted).count
            try await waitUntil("\(Self.considerHome / Self.interval + 2) scans of \(restarted) after its restart", within: .seconds(40)) {
                household.nmapRuns(of: restarted).count >= runs + Self.considerHome / Self.interval + 2
            }
            let states = watcher.states(since: stopped)
            #expect(states.allSatisfy { $0.state == "home" }, "shared states during the restart: \(states.filter { $0.state != "home" })")
            #expect(try watcher.departures(since: stopped).isEmpty, "departed events during the restart")
            let removed = log.all.filter {
                $0.at >= stopped && $0.message.topic.hasPrefix("homeassistant/device_tracker/") && $0.message.payload.isEmpty
            }
            #expect(removed.isEmpty, "discovery configs cleared during the restart: \(removed.map(\.message.topic))")
            for id in household.ids {
                #expect(log.latest("nmap2mqtt/\(id)/state") == "home", "\(id) after the restart")
            }
            // A node that stops while another lives leaves the household's bridge/state alone (HOUSEHOLD.md).
            let bridgeStates = log.on("nmap2mqtt/bridge/state", since: stopped).map(\.message.string)
            #expect(!bridgeStates.contains("offline"), "bridge/state during the restart: \(bridgeStates)")
        }
    }

    // MARK: b'. A follower dies

    @Test("a follower is killed: its devices keep their state and turn unavailable, nothing goes not_home, the leader stays")
    func followerKilled() async throws {
        try await withHousehold(nodes: Self.twoSegments) { household in
            let (log, watcher, idsB) = (household.log, household.watcher, household.ids(ofSegment: 1))
            try await household.waitForHousehold(leader: Self.a, nodes: [Self.a, Self.b], ids: household.ids)

            let killed = Date()
            await household.kill(Self.b)
            _ = try await log.waitFor(Household.nodeStateTopic(Self.b), within: .seconds(10), since: killed, "node-b's will") { $0 == "offline" }
            try await household.waitForLeader(Self.a, within: .seconds(20), since: killed) { info in
                info.nodes?.first { $0.node == Self.b }?.online == false
            }
            // More than consider_home of node-a's scans after the death.
            let runs = household.nmapRuns(of: Self.a).count
            try await waitUntil("\(Self.considerHome / Self.interval + 2) scans of node-a", within: .seconds(40)) {
                household.nmapRuns(of: Self.a).count >= runs + Self.considerHome / Self.interval + 2
            }
            #expect(watcher.notHome(since: killed).isEmpty, "not_home after node-b died: \(watcher.notHome(since: killed))")
            #expect(try watcher.departures(since: killed).isEmpty)
            for id in idsB {
                #expect(log.latest("nmap2mqtt/\(id)/state") == "home", "\(id), seen only by the dead node")
                #expect(try household.discovery(of: id).availability.map(\.topic) == [Household.nodeStateTopic(Self.b)])
            }
            let bridgeStates = log.on("nmap2mqtt/bridge/state", since: killed).map(\.message.string)
            #expect(!bridgeStates.contains("offline"), "bridge/state after a follower died: \(bridgeStates)")
            let retained = try await retainedSnapshot(port: household.broker.port, until: "node-b offline", within: .seconds(10)) {
                $0[Household.nodeStateTopic(Self.b)] == "offline"
            }
            #expect(retained["nmap2mqtt/bridge/state"] == "online" && retained[Household.nodeStateTopic(Self.a)] == "online")
        }
    }

    // MARK: e. The same node_id twice

    /// The twin of ``duplicateNodeID(_:)``: how it ends, and whether its config is a copy of node-a's.
    enum Twin: String, CaseIterable, Sendable {
        /// SIGKILL: whatever will it left with the broker is published.
        case killed
        /// SIGTERM: it says goodbye as it chooses.
        case stopped
        /// A copied config (a cloned SD card): no `client_id`, so both take the default of a node named
        /// node-a (random per process since 00226be; before, the same id, and the broker threw each out
        /// when the other connected); SIGTERM at the end.
        case copiedConfig

        var sharesClientID: Bool { self == .copiedConfig }
    }

    @Test(
        "a second daemon with a node_id in use says so and publishes nothing (killed, only its will, answered at once); the first keeps on",
        arguments: Twin.allCases)
    func duplicateNodeID(_ end: Twin) async throws {
        var config = BridgeConfig.household()
        if end.sharesClientID { config.clientID = "" }
        let nodes = [
            HouseholdNode(Self.a, segment: 0, config: config), HouseholdNode(Self.b, segment: 1),
            HouseholdNode(Self.a, segment: 2, config: config, name: "node-a-twin", startsAtOnce: false),
        ]
        let twin = nodes[2]
        try await withHousehold(segments: 3, nodes: nodes) { household in
            let (log, idsTwin) = (household.log, household.ids(ofSegment: 2))
            try await household.waitForHousehold(
                leader: Self.a, nodes: [Self.a, Self.b], ids: household.ids(ofSegment: 0) + household.ids(ofSegment: 1))
            let (_, firstInfo) = try await log.waitFor(
                Household.nodeInfoTopic(Self.a), as: Published.NodeInfo.self, within: .seconds(10), newest: true, "node-a's info")

            let twinStarted = Date()
            let daemon = try household.start(twin.name)
            try await waitUntil("the twin's log to say its node_id is already in use", within: .seconds(30)) {
                daemon.log.split(separator: "\n").contains { $0.contains("node_id") && $0.contains("already") }
            }
            let line = daemon.log.split(separator: "\n").first { $0.contains("node_id") && $0.contains("already") }
            #expect(line?.contains("error") == true, "logged at error: \(line ?? "")")
            // A few of the first node's scans while the twin lives (or has given up).
            let runs = household.nmapRuns(of: Self.a).count
            try await waitUntil("three scans of node-a with the twin about", within: .seconds(30)) {
                household.nmapRuns(of: Self.a).count >= runs + 3
            }
            let twinKilled = Date()
            switch end {
            case .killed: await daemon.process.kill()
            case .stopped, .copiedConfig: #expect(await household.stop(twin.name) == 0, "the twin's exit status after SIGTERM")
            }
            // Its will or its goodbye, if it had one, would now arrive: give it a moment.
            try await Task.sleep(for: .seconds(2))

            let named = household.messages(naming: idsTwin, since: twinStarted)
            #expect(named.isEmpty, "the twin's devices were published: \(named.map(\.message.topic))")
            let infos = try log.on(Household.nodeInfoTopic(Self.a), since: twinStarted).filter { !$0.message.payload.isEmpty }
                .map { try $0.decoded(as: Published.NodeInfo.self) }
            #expect(infos.allSatisfy { $0.instance == firstInfo.instance }, "node-a/info from another instance: \(infos.map(\.instance))")
            // Never while the twin ran. A twin killed with SIGKILL leaves the will it connected with (a connection's
            // will cannot be taken back without a new connection): node-a answers it with `online` at once.
            let stateEntries = log.on(Household.nodeStateTopic(Self.a), since: twinStarted)
            let nodeStates = stateEntries.map { entry in
                let phase = entry.at < twinKilled ? "while the twin ran" : "after the twin (\(end.rawValue)) ended"
                return "\(entry.message.string) \(phase), \(String(format: "%.2f", entry.at.timeIntervalSince(twinStarted))) s after it started"
            }
            #expect(!stateEntries.contains { $0.at < twinKilled && $0.message.string == "offline" }, "node-a/state: \(nodeStates)")
            if end == .killed {
                #expect(stateEntries.last?.message.string != "offline", "node-a answered the twin's will: \(nodeStates)")
            } else {
                #expect(!nodeStates.contains { $0.hasPrefix("offline") }, "node-a/state since the twin started: \(nodeStates)")
            }
            // The household's bridge/state is no business of the twin's, nor of node-a answering it.
            let bridgeStates = log.all.filter {
                $0.at >= twinStarted && ($0.message.topic == "nmap2mqtt/bridge/state" || $0.message.topic.hasPrefix("nmap2mqtt/nodes/node-a/state"))
            }.map { "\($0.message.topic)=\($0.message.string) at +\(String(format: "%.3f", $0.at.timeIntervalSince(twinKilled))) s" }
            #expect(
                !log.on("nmap2mqtt/bridge/state", since: twinStarted).contains { $0.message.string == "offline" },
                "bridge/state and node-a/state, times from the twin's end: \(bridgeStates)")
            let lost = household.node(Self.a).daemon.log.split(separator: "\n").filter { $0.contains("Lost the MQTT broker") }
            #expect(lost.isEmpty, "node-a lost its connection while the twin was about: \(lost.prefix(3))")

            // The first node goes on leading and publishing.
            try await household.waitForLeader(Self.a, within: .seconds(20), since: twinKilled.addingTimeInterval(1))
            let retained = try await retainedSnapshot(port: household.broker.port, until: "node-a still online", within: .seconds(10)) {
                $0[Household.nodeStateTopic(Self.a)] == "online" && $0["nmap2mqtt/bridge/state"] == "online"
            }
            let retainedInfo = try Published.decode(Published.NodeInfo.self, from: Array((retained[Household.nodeInfoTopic(Self.a)] ?? "").utf8))
            #expect(retainedInfo.instance == firstInfo.instance && retainedInfo.scanTargets == [household.labs[0].subnet])
        }
    }

    // MARK: f. Settings that differ

    /// A setting node-b has differently from node-a in ``differentSettings(_:)``.
    enum Difference: String, CaseIterable, Sendable {
        case considerHome, discovery

        /// node-b's config.
        var config: BridgeConfig {
            switch self {
            case .considerHome: .household(considerHome: 9)
            case .discovery: .household(extra: ["homeassistant:", "  discovery: false"])
            }
        }

        /// The key the warning must name.
        var key: String {
            switch self {
            case .considerHome: "consider_home"
            case .discovery: "discovery"
            }
        }
    }

    @Test("two nodes with a different consider_home or discovery: bridge/info's household_warnings names it", arguments: Difference.allCases)
    func differentSettings(_ difference: Difference) async throws {
        let nodes = [HouseholdNode(Self.a, segment: 0), HouseholdNode(Self.b, segment: 1, config: difference.config)]
        try await withHousehold(nodes: nodes) { household in
            let log = household.log
            // Without discovery node-b's devices have no discovery config: wait for node-a's only.
            let ids = difference == .discovery ? household.ids(ofSegment: 0) : household.ids
            try await household.waitForHousehold(leader: Self.a, nodes: [Self.a, Self.b], ids: ids)
            let info = try await household.waitForLeader(Self.a, within: .seconds(20)) { info in
                (info.householdWarnings ?? []).contains { $0.contains(difference.key) }
            }
            #expect(info.householdWarnings?.count == 1, "household_warnings: \(info.householdWarnings ?? [])")
            #expect(info.householdWarnings?.first?.contains(Self.b) == true, "the warning names the node: \(info.householdWarnings ?? [])")
            let (_, infoB) = try await log.waitFor(
                Household.nodeInfoTopic(Self.b), as: Published.NodeInfo.self, within: .seconds(10), newest: true, "node-b's info")
            switch difference {
            case .considerHome: #expect(infoB.considerHomeSeconds == 9, "node-b's consider_home_seconds")
            case .discovery: #expect(infoB.discovery == false, "node-b's discovery")
            }
        }
    }

    // MARK: g. One segment, two nodes

    @Test("two nodes on one segment: available through both; the leader dies and nothing leaves; a departure seen by the live node counts")
    func twoNodesOneSegment() async throws {
        let nodes = [HouseholdNode(Self.a, segment: 0), HouseholdNode(Self.b, segment: 0, scanner: 2)]
        try await withHousehold(segments: 1, nodes: nodes) { household in
            let (log, watcher, lab) = (household.log, household.watcher, household.labs[0])
            let ids = household.ids
            try await household.waitForHousehold(leader: Self.a, nodes: [Self.a, Self.b], ids: ids)
            try await household.waitForLeader(Self.a, within: .seconds(20)) { info in
                (info.nodes ?? []).count == 2 && (info.nodes ?? []).allSatisfy { $0.devices == 6 && $0.home == 6 }
            }
            for id in ids {
                _ = try await log.waitFor(Household.nodeDeviceTopic(Self.b, id), within: .seconds(10), "node-b's view of \(id)")
                // The availability list may grow as the views arrive: the newest config names both nodes.
                _ = try await log.waitFor(
                    "homeassistant/device_tracker/\(id)/config", as: Published.TrackerConfig.self, within: .seconds(10), newest: true,
                    "discovery of \(id) available through both nodes"
                ) { Set($0.availability.map(\.topic)) == [Household.nodeStateTopic(Self.a), Household.nodeStateTopic(Self.b)] }
                #expect(try household.discovery(of: id).availabilityMode == "any")
            }
            // The scanners answer each other's scans; neither is a device.
            #expect(Set(watcher.states(since: .distantPast).map(\.id)) == Set(ids))

            let killed = Date()
            await household.kill(Self.a)
            _ = try await log.waitFor(Household.nodeStateTopic(Self.a), within: .seconds(10), since: killed, "node-a's will") { $0 == "offline" }
            try await household.waitForLeader(Self.b, within: .seconds(Self.interval + 15), since: killed)
            // More than consider_home of node-b's scans: every device is still home, through node-b.
            let runs = household.nmapRuns(of: Self.b).count
            try await waitUntil("\(Self.considerHome / Self.interval + 2) scans of node-b", within: .seconds(40)) {
                household.nmapRuns(of: Self.b).count >= runs + Self.considerHome / Self.interval + 2
            }
            #expect(watcher.notHome(since: killed).isEmpty, "not_home after the leader died: \(watcher.notHome(since: killed))")

            // A device leaves: the dead node's last view (home) does not hold it; the live one decides.
            let leaver = lab.host(4)
            let left = Date()
            try await lab.leave(leaver.index)
            _ = try await log.waitFor(
                "nmap2mqtt/\(leaver.deviceID)/state", within: Self.departure, since: left, "\(leaver.hostName) not_home"
            ) { $0 == "not_home" }
            #expect(watcher.notHome(since: killed).map(\.id) == [leaver.deviceID], "not_home: \(watcher.notHome(since: killed))")
            for id in ids where id != leaver.deviceID {
                #expect(log.latest("nmap2mqtt/\(id)/state") == "home", "\(id)")
            }
        }
    }
}

extension HouseholdTests {
    // MARK: i. The broker restarts

    @Test("the broker restarts without persistence: every node joins again, every node topic and shared topic is back, no not_home")
    func brokerRestarts() async throws {
        try await withHousehold(nodes: Self.twoSegments) { household in
            let (watcher, broker, ids) = (household.watcher, household.broker, household.ids)
            try await household.waitForHousehold(leader: Self.a, nodes: [Self.a, Self.b], ids: ids)
            let restarted = Date()
            try await broker.restart()
            let retained = try await retainedSnapshot(port: broker.port, until: "the household retained again", within: .seconds(30)) {
                retained in
                retained["nmap2mqtt/bridge/state"] == "online" && retained["nmap2mqtt/bridge/info"] != nil
                    && [Self.a, Self.b].allSatisfy {
                        retained[Household.nodeStateTopic($0)] == "online" && retained[Household.nodeInfoTopic($0)] != nil
                    }
                    && ids.allSatisfy {
                        retained["homeassistant/device_tracker/\($0)/config"]?.isEmpty == false && retained["nmap2mqtt/\($0)/state"] == "home"
                    }
                    && household.ids(ofSegment: 0).allSatisfy { retained[Household.nodeDeviceTopic(Self.a, $0)] != nil }
                    && household.ids(ofSegment: 1).allSatisfy { retained[Household.nodeDeviceTopic(Self.b, $0)] != nil }
            }
            let info = try Published.decode(Published.BridgeInfo.self, from: Array((retained["nmap2mqtt/bridge/info"] ?? "").utf8))
            #expect(
                info.node == Self.a && info.leader == Self.a, "bridge/info after the restart: node \(info.node ?? "-"), leader \(info.leader ?? "-")")
            // The watcher reconnects on its own; what it saw since must hold no departure.
            #expect(watcher.notHome(since: restarted).isEmpty, "not_home around the broker restart: \(watcher.notHome(since: restarted))")
        }
    }

    // MARK: e''. Twins started together

    @Test("two daemons with one node_id started at the same moment: one steps back, and only the other's devices are left")
    func twinsStartedTogether() async throws {
        let nodes = [
            HouseholdNode(Self.b, segment: 1), HouseholdNode(Self.a, segment: 0, startsAtOnce: false),
            HouseholdNode(Self.a, segment: 2, name: "node-a-twin", startsAtOnce: false),
        ]
        try await withHousehold(segments: 3, nodes: nodes) { household in
            try await household.waitForHousehold(leader: Self.b, nodes: [Self.b], ids: household.ids(ofSegment: 1))
            let first = try household.start(Self.a)
            let second = try household.start("node-a-twin")
            func steppedBack(_ daemon: Daemon) -> Bool {
                daemon.log.split(separator: "\n").contains { $0.contains("node_id") && $0.contains("already") }
            }
            try await waitUntil("one of the two to step back", within: .seconds(30)) { steppedBack(first) || steppedBack(second) }
            // Time for the other to see it too, if it were to.
            try await Task.sleep(for: .seconds(Self.interval * 2))
            #expect(steppedBack(first) != steppedBack(second), "both stepped back, or neither: only one may")
            let (winner, loser) = steppedBack(first) ? (1, 0) : (0, 1)
            let (winnerSegment, loserSegment) = ([0, 2][winner], [0, 2][loser])
            let winnerIDs = household.ids(ofSegment: winnerSegment)
            let loserIDs = household.ids(ofSegment: loserSegment)
            try await household.waitForHousehold(leader: Self.a, nodes: [Self.a, Self.b], ids: winnerIDs, within: .seconds(30))

            let retained = try await retainedSnapshot(port: household.broker.port, until: "node-a settled", within: .seconds(10)) {
                $0[Household.nodeStateTopic(Self.a)] == "online" && $0[Household.nodeInfoTopic(Self.a)] != nil
            }
            let info = try Published.decode(Published.NodeInfo.self, from: Array((retained[Household.nodeInfoTopic(Self.a)] ?? "").utf8))
            #expect(info.scanTargets == [household.labs[winnerSegment].subnet], "node-a/info is the winner's")
            let leftovers = retained.keys.filter { topic in loserIDs.contains { topic.contains($0) } }.sorted()
            #expect(leftovers.isEmpty, "retained topics of the devices only the one that stepped back saw: \(leftovers)")
        }
    }

    // MARK: e'. The twin takes over

    @Test("a second daemon with a node_id in use takes that node's place once the first stops")
    func twinTakesOver() async throws {
        let twin = HouseholdNode(Self.a, segment: 2, name: "node-a-twin", startsAtOnce: false)
        try await withHousehold(segments: 3, nodes: Self.twoSegments + [twin]) { household in
            let (log, idsTwin) = (household.log, household.ids(ofSegment: 2))
            try await household.waitForHousehold(
                leader: Self.a, nodes: [Self.a, Self.b], ids: household.ids(ofSegment: 0) + household.ids(ofSegment: 1))
            let daemon = try household.start(twin.name)
            try await waitUntil("the twin's log to say its node_id is already in use", within: .seconds(30)) {
                daemon.log.split(separator: "\n").contains { $0.contains("node_id") && $0.contains("already") }
            }

            let stopped = Date()
            #expect(await household.stop(Self.a) == 0, "the first node-a's exit status after SIGTERM")
            // The twin is node-a now: online, its own info (its segment), its devices announced and home.
            let (_, info) = try await log.waitFor(
                Household.nodeInfoTopic(Self.a), as: Published.NodeInfo.self, within: .seconds(30), since: stopped, newest: true,
                "node-a/info from the twin"
            ) { $0.scanTargets == [household.labs[2].subnet] }
            #expect(info.node == Self.a)
            _ = try await log.waitFor(Household.nodeStateTopic(Self.a), within: .seconds(30), since: stopped, "node-a online again") {
                $0 == "online"
            }
            try await household.watcher.waitForAll(idsTwin, within: .seconds(30), since: stopped)
            try await household.waitForLeader(Self.a, within: .seconds(20), since: stopped)
            #expect(!daemon.process.hasExited)
        }
    }

    // MARK: j. A device walks to the other segment

    @Test("a device walks from node-a's segment to node-b's while home: no not_home, no event, its address follows it")
    func deviceRoams() async throws {
        try await withHousehold(nodes: Self.twoSegments) { household in
            let (log, watcher) = (household.log, household.watcher)
            let (from, to) = (household.labs[0], household.labs[1])
            // Not host 1 or 2: nmap may be timing against them, and stalls when they vanish.
            let phone = from.host(4)
            let id = phone.deviceID
            try await household.waitForHousehold(leader: Self.a, nodes: [Self.a, Self.b], ids: household.ids)

            let moved = Date()
            let address = try await from.roam(phone.index, to: to)
            _ = try await log.waitFor(
                Household.nodeDeviceTopic(Self.b, id), as: Published.NodeDevice.self, within: .seconds(30), since: moved,
                "node-b's view of \(phone.hostName) home at \(address)"
            ) { $0.state == .home && $0.ip == address }
            _ = try await log.waitFor(
                "nmap2mqtt/\(id)/attributes", as: Published.Attributes.self, within: .seconds(10), since: moved,
                "\(phone.hostName)'s attributes at \(address)"
            ) { $0.ip == address }
            // node-a decides by its own rules that the device has left its segment.
            _ = try await log.waitFor(
                Household.nodeDeviceTopic(Self.a, id), as: Published.NodeDevice.self, within: Self.departure, since: moved,
                "node-a's view of \(phone.hostName) not_home"
            ) { $0.state == .notHome }
            _ = try await log.waitFor(
                "homeassistant/device_tracker/\(id)/config", as: Published.TrackerConfig.self, within: .seconds(10), newest: true,
                "discovery of \(id) available through both nodes"
            ) { Set($0.availability.map(\.topic)) == [Household.nodeStateTopic(Self.a), Household.nodeStateTopic(Self.b)] }
            let settled = Date()
            let info = try await household.waitForLeader(Self.a, within: .seconds(20), since: settled) { info in
                info.nodes?.first { $0.node == Self.a }.map { $0.devices == 6 && $0.home == 5 } == true
                    && info.nodes?.first { $0.node == Self.b }.map { $0.devices == 7 && $0.home == 7 } == true
            }
            #expect(info.deviceCount == 12 && info.devicesHome == 12, "bridge/info: \(info.deviceCount) devices, \(info.devicesHome) home")

            let states = watcher.states(since: moved).filter { $0.id == id }
            #expect(states.allSatisfy { $0.state == "home" }, "\(phone.hostName)'s shared states while it walked: \(states)")
            #expect(watcher.notHome(since: moved).isEmpty, "not_home: \(watcher.notHome(since: moved))")
            let events = try watcher.events(since: moved).filter { $0.device.mac == phone.mac }
            #expect(events.isEmpty, "events for a device that never left: \(events.map(\.event))")
            #expect(try watcher.attributes(of: id).ip == address)
        }
    }

    // MARK: l. Three nodes, two deaths

    @Test("three nodes: the leader dies, then the next; each time the next lowest id leads, and nothing goes not_home")
    func threeNodesLeadershipPassesOn() async throws {
        let c = "node-c"
        let nodes = Self.twoSegments + [HouseholdNode(c, segment: 2)]
        try await withHousehold(segments: 3, nodes: nodes) { household in
            let (log, watcher) = (household.log, household.watcher)
            try await household.waitForHousehold(leader: Self.a, nodes: [Self.a, Self.b, c], ids: household.ids)
            let first = Date()
            for (dying, next) in [(Self.a, Self.b), (Self.b, c)] {
                let killed = Date()
                await household.kill(dying)
                _ = try await log.waitFor(Household.nodeStateTopic(dying), within: .seconds(10), since: killed, "\(dying)'s will") {
                    $0 == "offline"
                }
                let info = try await household.waitForLeader(next, within: .seconds(Self.interval + 15), since: killed)
                #expect(
                    info.nodes?.filter(\.online).map(\.node).sorted() == [next] + (next == Self.b ? [c] : []),
                    "bridge/info.nodes: \(info.nodes ?? [])")
            }
            // More than consider_home of node-c's scans alone.
            let runs = household.nmapRuns(of: c).count
            try await waitUntil("\(Self.considerHome / Self.interval + 2) scans of node-c", within: .seconds(40)) {
                household.nmapRuns(of: c).count >= runs + Self.considerHome / Self.interval + 2
            }
            #expect(watcher.notHome(since: first).isEmpty, "not_home while the leaders died: \(watcher.notHome(since: first))")
            for id in household.ids {
                #expect(log.latest("nmap2mqtt/\(id)/state") == "home", "\(id)")
            }
            let retained = try await retainedSnapshot(port: household.broker.port, until: "node-c's household", within: .seconds(10)) {
                $0["nmap2mqtt/bridge/state"] == "online" && $0[Household.nodeStateTopic(c)] == "online"
            }
            #expect(retained[Household.nodeStateTopic(Self.a)] == "offline" && retained[Household.nodeStateTopic(Self.b)] == "offline")
        }
    }

    // MARK: k. A node loses the broker and keeps running

    @Test(
        "a node loses the broker for longer than consider_home and keeps scanning: its will, no not_home, back online after",
        arguments: [HouseholdTests.a, HouseholdTests.b])
    func nodeLosesBroker(_ cut: String) async throws {
        let nodes = [HouseholdNode(Self.a, segment: 0, viaProxy: cut == Self.a), HouseholdNode(Self.b, segment: 1, viaProxy: cut == Self.b)]
        try await withHousehold(nodes: nodes) { household in
            let (log, watcher, proxy) = (household.log, household.watcher, household.proxy(of: cut))
            let other = cut == Self.a ? Self.b : Self.a
            try await household.waitForHousehold(leader: Self.a, nodes: [Self.a, Self.b], ids: household.ids)

            // The path breaks: the connections die (the broker publishes the wills at once), new ones are refused.
            let lost = Date()
            proxy.refuseNewConnections(true)
            proxy.resetConnections()
            _ = try await log.waitFor(Household.nodeStateTopic(cut), within: .seconds(10), since: lost, "\(cut)'s will") { $0 == "offline" }
            try await household.waitForLeader(other, within: .seconds(Self.interval + 15), since: lost) { info in
                info.nodes?.first { $0.node == cut }?.online == false
            }
            // More than consider_home of the cut node's scans, none of which can reach the broker.
            let runs = household.nmapRuns(of: cut).count
            try await waitUntil("\(Self.considerHome / Self.interval + 2) scans of \(cut) off the broker", within: .seconds(40)) {
                household.nmapRuns(of: cut).count >= runs + Self.considerHome / Self.interval + 2
            }
            #expect(!household.node(cut).daemon.process.hasExited, "\(cut) must keep running without the broker")

            let back = Date()
            proxy.refuseNewConnections(false)
            _ = try await log.waitFor(Household.nodeStateTopic(cut), within: .seconds(30), since: back, "\(cut) online again") { $0 == "online" }
            try await household.waitForLeader(Self.a, within: .seconds(30), since: back) { info in
                (info.nodes ?? []).count == 2 && (info.nodes ?? []).allSatisfy { $0.online && $0.devices == 6 && $0.home == 6 }
            }
            #expect(watcher.notHome(since: lost).isEmpty, "not_home around the cut: \(watcher.notHome(since: lost))")
            #expect(try watcher.departures(since: lost).isEmpty, "departed events around the cut")
            for id in household.ids {
                #expect(log.latest("nmap2mqtt/\(id)/state") == "home", "\(id) after the cut")
            }
            #expect(household.node(cut).daemon.log.contains("Lost the MQTT broker"))
        }
    }

    @Test("a device leaves while its node is off the broker: the node decides by its own rules, the household learns it on return")
    func departureWhileOffTheBroker() async throws {
        let nodes = [HouseholdNode(Self.a, segment: 0), HouseholdNode(Self.b, segment: 1, viaProxy: true)]
        try await withHousehold(nodes: nodes) { household in
            let (log, watcher, proxy, lab) = (household.log, household.watcher, household.proxy(of: Self.b), household.labs[1])
            let leaver = lab.host(4)
            let id = leaver.deviceID
            try await household.waitForHousehold(leader: Self.a, nodes: [Self.a, Self.b], ids: household.ids)

            let lost = Date()
            proxy.refuseNewConnections(true)
            proxy.resetConnections()
            _ = try await log.waitFor(Household.nodeStateTopic(Self.b), within: .seconds(10), since: lost, "node-b's will") { $0 == "offline" }
            try await lab.leave(leaver.index)
            let daemon = household.node(Self.b).daemon
            try await waitUntil("node-b to decide \(leaver.hostName) departed", within: Self.departure) {
                daemon.log.split(separator: "\n").contains { $0.contains("Device departed") && $0.contains(id) }
            }
            // While node-b is away the household has no live view of the device: it stays as it was.
            #expect(watcher.notHome(since: lost).isEmpty, "not_home while node-b was off the broker: \(watcher.notHome(since: lost))")
            #expect(log.latest("nmap2mqtt/\(id)/state") == "home")

            let back = Date()
            proxy.refuseNewConnections(false)
            _ = try await log.waitFor(Household.nodeStateTopic(Self.b), within: .seconds(30), since: back, "node-b online again") { $0 == "online" }
            _ = try await log.waitFor(
                Household.nodeDeviceTopic(Self.b, id), as: Published.NodeDevice.self, within: .seconds(20), since: back, newest: true,
                "node-b's view of \(leaver.hostName) not_home"
            ) { $0.state == .notHome }
            _ = try await log.waitFor("nmap2mqtt/\(id)/state", within: .seconds(20), since: back, "\(leaver.hostName) not_home") { $0 == "not_home" }
            _ = try await log.waitFor("nmap2mqtt/events", as: Published.Event.self, within: .seconds(10), since: back, "the departed event") {
                $0.event == .departed && $0.device.mac == leaver.mac
            }
            #expect(watcher.notHome(since: lost).map(\.id) == [id], "not_home: \(watcher.notHome(since: lost))")
        }
    }

    // MARK: h. A dead node's fresher home

    @Test("a dead node's fresher home outlives a live node's stale not_home, until the live node sees the device")
    func deadNodesFresherHome() async throws {
        let nodes = [HouseholdNode(Self.a, segment: 0), HouseholdNode(Self.b, segment: 0, scanner: 2)]
        try await withHousehold(segments: 1, nodes: nodes) { household in
            let (log, watcher, lab) = (household.log, household.watcher, household.labs[0])
            let (phone, nmapB) = (lab.host(4), household.node(Self.b).nmap)
            let id = phone.deviceID
            try await household.waitForHousehold(leader: Self.a, nodes: [Self.a, Self.b], ids: household.ids)

            // It leaves: both nodes decide not_home.
            let left = Date()
            try await lab.leave(phone.index)
            for node in [Self.a, Self.b] {
                _ = try await log.waitFor(
                    Household.nodeDeviceTopic(node, id), as: Published.NodeDevice.self, within: Self.departure, since: left,
                    "\(node)'s view of \(phone.hostName) not_home"
                ) { $0.state == .notHome }
            }
            _ = try await log.waitFor("nmap2mqtt/\(id)/state", within: .seconds(10), since: left, "\(phone.hostName) not_home") { $0 == "not_home" }

            // node-b's scans fail from now on (a failed scan changes no view): its not_home goes stale.
            let failedBefore = household.nmapModes(of: Self.b).filter { $0 == "fail" }.count
            try nmapB.set(.fail)
            // A scan already under way still runs real nmap: wait for one that fails.
            try await waitUntil("a failing scan of node-b", within: .seconds(20)) {
                household.nmapModes(of: Self.b).filter { $0 == "fail" }.count > failedBefore
            }
            // It comes back; node-a sees it first, and dies.
            let joined = Date()
            try await lab.join(phone.index)
            _ = try await log.waitFor(
                Household.nodeDeviceTopic(Self.a, id), as: Published.NodeDevice.self, within: .seconds(30), since: joined,
                "node-a's view of \(phone.hostName) home"
            ) { $0.state == .home }
            _ = try await log.waitFor("nmap2mqtt/\(id)/state", within: .seconds(10), since: joined, "\(phone.hostName) home again") { $0 == "home" }
            #expect(try household.view(of: id, by: Self.b)?.state == .notHome, "node-b's view must still be its stale not_home")
            let killed = Date()
            await household.kill(Self.a)
            try await household.waitForLeader(Self.b, within: .seconds(Self.interval + 15), since: killed)
            // More than consider_home of node-b's (failing) scans: the dead node's news stands.
            let runs = household.nmapRuns(of: Self.b).count
            try await waitUntil("\(Self.considerHome / Self.interval + 2) scans of node-b", within: .seconds(40)) {
                household.nmapRuns(of: Self.b).count >= runs + Self.considerHome / Self.interval + 2
            }
            #expect(watcher.notHome(since: joined).isEmpty, "not_home after node-a saw it return and died: \(watcher.notHome(since: joined))")
            #expect(log.latest("nmap2mqtt/\(id)/state") == "home")

            // node-b scans again and sees it: home by a live node's word now.
            let repaired = Date()
            try nmapB.set(.real)
            _ = try await log.waitFor(
                Household.nodeDeviceTopic(Self.b, id), as: Published.NodeDevice.self, within: .seconds(30), since: repaired,
                "node-b's view of \(phone.hostName) home"
            ) { $0.state == .home }
            try await household.waitForLeader(Self.b, within: .seconds(10), since: Date())
            #expect(watcher.notHome(since: joined).isEmpty, "not_home: \(watcher.notHome(since: joined))")
            #expect(log.latest("nmap2mqtt/\(id)/state") == "home")
        }
    }
}

/// Waits, at most `limit`, until `condition` holds.
private func waitUntil(_ what: String, within limit: Duration, _ condition: () -> Bool) async throws {
    let deadline = ContinuousClock.now + limit
    while !condition() {
        guard ContinuousClock.now < deadline else { throw EndToEndError("timed out after \(limit) waiting for \(what)") }
        try await Task.sleep(for: .milliseconds(50))
    }
}

/// Whether `topic` is a device's shared state (`nmap2mqtt/<id>/state`).
private func isDeviceState(_ topic: String) -> Bool {
    let parts = topic.split(separator: "/", omittingEmptySubsequences: false)
    return parts.count == 3 && parts[0] == "nmap2mqtt" && parts[2] == "state" && parts[1] != "bridge"
}

/// `node_id` becomes one level of every node topic: what cannot be one is refused before anything runs.
@Suite("node_id through the executable")
struct NodeIDConfigTests {
    static let bad = ["a/b", "+", "#", "node a", "", "caf\u{e9}", String(repeating: "x", count: 65)]

    @Test("a node_id that cannot be a topic level: exits 78, names node_id and the value", arguments: bad)
    func badNodeID(_ value: String) async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let file = directory + "/config.yaml"
        try "scan:\n  hosts: 127.0.0.1\nnode_id: \"\(value)\"\n".write(toFile: file, atomically: true, encoding: .utf8)
        for command in ["check-config", "run"] {
            let result = try await Daemon.run([command, "--config", file], directory: directory)
            #expect(result.status == 78, "\(command) exit status; output: \(result.output)")
            #expect(result.output.contains("node_id:"), "\(command) output names node_id: \(result.output)")
            #expect(value.isEmpty || result.output.contains(value), "\(command) output shows the value: \(result.output)")
            #expect(result.output.split(separator: "\n").count == 1, "one line, no stack trace: \(result.output)")
        }
    }

    @Test("a node_id of 64 letters, digits, _ and -: accepted, and shown by check-config")
    func goodNodeID() async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let file = directory + "/config.yaml"
        let value = "Garden_Office-2" + String(repeating: "x", count: 64 - 15)
        try "scan:\n  hosts: 127.0.0.1\nnode_id: \(value)\n".write(toFile: file, atomically: true, encoding: .utf8)
        let result = try await Daemon.run(["check-config", "--config", file], directory: directory)
        #expect(result.status == 0, "check-config: \(result.output)")
        #expect(result.output.contains(value), "check-config shows the node_id: \(result.output)")
    }
}
