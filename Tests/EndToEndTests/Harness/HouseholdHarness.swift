import Foundation
import Synchronization
import TestSupport

#if canImport(Glibc)
import Glibc
#endif

/// One node of a household scenario (issue 16): a daemon with its own `node_id`, config, state file,
/// log and stand-in nmap, scanning one of the household's segments through real nmap.
struct HouseholdNode: Sendable {
    /// Its `node_id`.
    var id: String
    /// Which of the household's segments it scans (an index into ``Household/labs``).
    var segment: Int
    /// 1: the segment's own scanner namespace; 2...9: a further one on the same switch, so that two
    /// nodes see the same devices.
    var scanner: Int
    /// Its settings; `node_id`, the port, hosts, nmap and state file are filled in by the household.
    var config: BridgeConfig
    /// Its directory, unique in the household (two processes with the same `id` need two).
    var name: String
    /// Started by ``withHousehold(segments:nodes:_:)`` before the body runs; else the body starts it
    /// with ``Household/start(_:)``.
    var startsAtOnce: Bool
    /// Connects through a ``TCPProxy`` of its own (``Household/proxy(of:)``), so that the body can cut
    /// this node off the broker while the others stay on.
    var viaProxy: Bool

    init(
        _ id: String, segment: Int, scanner: Int = 1, config: BridgeConfig = .household(), name: String? = nil,
        startsAtOnce: Bool = true, viaProxy: Bool = false
    ) {
        self.id = id
        self.segment = segment
        self.scanner = scanner
        self.config = config
        self.name = name ?? id
        self.startsAtOnce = startsAtOnce
        self.viaProxy = viaProxy
    }
}

extension BridgeConfig {
    /// A node of a household: the real-home timing (two-second scans, consider_home 6 s, a timeout that
    /// outlasts nmap's stall when hosts vanish).
    static func household(considerHome: Int = 6, scan: [String] = [], extra: [String] = []) -> BridgeConfig {
        .home(interval: 2, considerHome: considerHome, timeout: 12, scan: scan, extra: extra)
    }
}

/// Runs one household scenario: several daemons (nodes), each on its own or a shared test-LAN
/// segment, all on ONE broker under the same base topic, watched by one subscriber. Set up in this
/// order and torn down in reverse, even when `body` throws (like ``withBridge(lab:labName:broker:proxy:watcher:config:startDaemon:_:)``):
///
/// 1. one lab slot and one shared slot per node (``DaemonSlots``, taken at once),
/// 2. a directory,
/// 3. `segments` labs (segment 1, 2, ...: different subnets, different MACs), with the extra scanner
///    namespaces the nodes ask for,
/// 4. the broker and the watcher,
/// 5. per node a directory with its stand-in nmap (passing through to real nmap in its scanner
///    namespace), its proxy to the broker if it asks for one, and its config.yaml,
/// 6. the daemons of the nodes that start at once, in the order given.
///
/// Every daemon is killed at the end; when the scenario threw, the end of each node's log is recorded.
/// With `NMAP2MQTT_E2E_KEEP=1` in the environment the directory (every node's config, state file,
/// nmap runs and whole log) is left in place and its path printed.
func withHousehold(
    segments: Int = 2, nodes plans: [HouseholdNode], _ body: (Household) async throws -> Void
) async throws {
    precondition(Set(plans.map(\.name)).count == plans.count, "node names must be unique")
    precondition(plans.allSatisfy { (0..<segments).contains($0.segment) && (1...9).contains($0.scanner) })
    await DaemonSlots.lab.acquire(plans.count)
    defer { DaemonSlots.lab.release(plans.count) }
    await DaemonSlots.shared.acquire(plans.count)
    defer { DaemonSlots.shared.release(plans.count) }

    let teardown = Teardown()
    let household: Household
    do {
        household = try await setUpHousehold(segments: segments, plans: plans, teardown: teardown)
    } catch {
        await teardown.run(scenes: [], failed: true)
        throw error
    }
    var failed = true
    do {
        for plan in plans where plan.startsAtOnce { try household.start(plan.name) }
        try await body(household)
        failed = false
    } catch {
        try? await household.tearDown(failed: true)
        throw error
    }
    try await household.tearDown(failed: failed)
}

private func setUpHousehold(segments: Int, plans: [HouseholdNode], teardown: Teardown) async throws -> Household {
    let directory = try temporaryDirectory()
    if ProcessInfo.processInfo.environment["NMAP2MQTT_E2E_KEEP"] == "1" {
        // For a look at every node's config, state file, nmap runs and whole log after the run.
        print("withHousehold: keeping \(directory) (NMAP2MQTT_E2E_KEEP=1)")
    } else {
        teardown.add("the directory") { try FileManager.default.removeItem(atPath: directory) }
    }
    var labs: [TestLAN] = []
    for segment in 1...segments {
        let name = TestLAN.uniqueName(prefix: "hh")
        // Registered first: a lab that fails half-way through `up` is removed all the same.
        teardown.add("the lab \(name)") { try await TestLAN.down(name: name) }
        labs.append(try await TestLAN.up(name: name, segment: segment))
    }
    var scanners: [Int: [TestLAN.Scanner]] = [:]
    for (segment, lab) in labs.enumerated() {
        let wanted = Set(plans.filter { $0.segment == segment && $0.scanner > 1 }.map(\.scanner)).sorted()
        for index in wanted {
            scanners[segment, default: []].append(try await lab.addScanner(index))
        }
    }
    let broker = try await MosquittoBroker.start(config: .anonymous)
    teardown.add("the broker") { await broker.stop() }
    let watcher = try await Watcher.start(port: broker.port)
    teardown.add("the watcher") { await watcher.stop() }

    var scenes: [String: Scene] = [:]
    var proxies: [String: TCPProxy] = [:]
    for plan in plans {
        let lab = labs[plan.segment]
        let nodeDirectory = directory + "/" + plan.name
        try FileManager.default.createDirectory(atPath: nodeDirectory, withIntermediateDirectories: true)
        chmod(nodeDirectory, 0o755)
        let nmap = try await StandInNmap.install(in: nodeDirectory, lab: lab)
        if plan.scanner > 1 {
            try await lab.nmapWrapper(path: nodeDirectory + "/lab-nmap", scanner: plan.scanner)
        }
        try nmap.set(.real)
        var port = broker.port
        if plan.viaProxy {
            let proxy = try TCPProxy(upstreamPort: broker.port)
            teardown.add("the proxy of \(plan.name)") { proxy.close() }
            proxies[plan.name] = proxy
            port = proxy.port
        }
        let scene = Scene(directory: nodeDirectory, nmap: nmap, lab: lab, brokerPort: port)
        var config = plan.config
        config.nodeID = plan.id
        // On a shared segment the other scanners answer too (locally administered MACs): no device.
        let others = segmentScannerIPs(lab: lab, extra: scanners[plan.segment] ?? [])
        if others.count > 1 {
            config.scan.append("exclude: [\(others.map { "\"\($0)\"" }.joined(separator: ", "))]")
        }
        try scene.writeConfig(config)
        scenes[plan.name] = scene
    }
    return Household(
        directory: directory, labs: labs, broker: broker, watcher: watcher, plans: plans, scenes: scenes, proxies: proxies,
        teardown: teardown)
}

private func segmentScannerIPs(lab: TestLAN, extra: [TestLAN.Scanner]) -> [String] {
    [lab.scannerIP] + extra.map(\.ip)
}

/// What a household scenario undoes at the end, last made first.
final class Teardown: Sendable {
    private let steps = Mutex<[(what: String, undo: @Sendable () async throws -> Void)]>([])

    func add(_ what: String, _ undo: @escaping @Sendable () async throws -> Void) {
        steps.withLock { $0.append((what, undo)) }
    }

    /// Tears the nodes' scenes down (their daemons killed, their logs recorded when `failed`), then
    /// the rest in reverse order; returns the first error.
    @discardableResult
    func run(scenes: [Scene], failed: Bool) async -> (any Error)? {
        var firstError: (any Error)?
        for scene in scenes.reversed() {
            do {
                try await scene.tearDown(failed: failed)
            } catch {
                firstError = firstError ?? error
            }
        }
        let steps = steps.withLock { steps in
            defer { steps = [] }
            return steps
        }
        for step in steps.reversed() {
            do {
                try await step.undo()
            } catch {
                firstError = firstError ?? EndToEndError("tearing down \(step.what): \(error)")
            }
        }
        return firstError
    }
}

/// A household scenario's surroundings, made by ``withHousehold(segments:nodes:_:)``: the labs, one
/// broker, one watcher subscribed to everything on it, and one ``Scene`` per node (its directory,
/// stand-in nmap, lab, config, state file, log and daemons).
final class Household: Sendable {
    let directory: String
    /// The segments, in order (segment 1 first).
    let labs: [TestLAN]
    let broker: MosquittoBroker
    let watcher: Watcher
    let plans: [HouseholdNode]
    private let scenes: [String: Scene]
    private let proxies: [String: TCPProxy]
    private let teardown: Teardown

    fileprivate init(
        directory: String, labs: [TestLAN], broker: MosquittoBroker, watcher: Watcher, plans: [HouseholdNode], scenes: [String: Scene],
        proxies: [String: TCPProxy], teardown: Teardown
    ) {
        self.directory = directory
        self.labs = labs
        self.broker = broker
        self.watcher = watcher
        self.plans = plans
        self.scenes = scenes
        self.proxies = proxies
        self.teardown = teardown
    }

    /// The proxy between node `name` and the broker (``HouseholdNode/viaProxy``).
    func proxy(of name: String) -> TCPProxy {
        guard let proxy = proxies[name] else { preconditionFailure("node \(name) does not connect through a proxy") }
        return proxy
    }

    var log: MessageLog { watcher.log }

    /// The scene of node `name` (its directory name; its `node_id` unless given another).
    func node(_ name: String) -> Scene {
        guard let scene = scenes[name] else { preconditionFailure("no node \(name) in this household") }
        return scene
    }

    /// The device ids of segment `segment`.
    func ids(ofSegment segment: Int) -> [String] { labs[segment].hosts.map(\.deviceID) }

    /// Every device id of every segment.
    var ids: [String] { labs.flatMap { $0.hosts.map(\.deviceID) } }

    /// Starts node `name`'s daemon on its config (again, after a stop).
    @discardableResult
    func start(_ name: String) throws -> Daemon {
        try node(name).startDaemon()
    }

    /// Kills node `name`'s daemon with SIGKILL (no goodbye: the broker sends its wills) and reaps it.
    func kill(_ name: String) async {
        await node(name).daemon.process.kill()
    }

    /// Stops node `name`'s daemon with SIGTERM; returns its exit status (nil: still running after 5 s).
    func stop(_ name: String) async -> Int32? {
        let process = node(name).daemon.process
        process.signal(SIGTERM)
        return await process.waitForExit(within: .seconds(5))
    }

    func tearDown(failed: Bool) async throws {
        let ordered = plans.map(\.name).compactMap { scenes[$0] }
        if let error = await teardown.run(scenes: ordered, failed: failed), !failed { throw error }
    }
}
