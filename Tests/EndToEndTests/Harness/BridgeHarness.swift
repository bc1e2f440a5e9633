import Foundation
import TestSupport

/// Runs one end-to-end scenario with everything it asks for set up first and torn down after, in
/// reverse order, even when `body` throws (in the manner of mqtt-nio's `withTestMQTTServer`):
///
/// 1. a free one of ``DaemonSlots`` (and of the lab slots, on a lab),
/// 2. with `lab`, a namespace test LAN (named `labName`, else "rh" and four random characters),
///    on which the stand-in nmap runs real nmap (mode `real`),
/// 3. a fresh directory with the stand-in nmap in it (mode `xml` off the lab),
/// 4. the broker (`broker`), with `proxy` a TCP proxy in front of it for the daemon,
/// 5. the watcher (`watcher`),
/// 6. config.yaml from `config` (nil: none is written),
/// 7. with `startDaemon`, the daemon on it.
///
/// Every daemon the scenario starts (``Scene/startDaemon(_:)``) is killed at the end; when the
/// scenario failed, the end of each one's log is recorded beside the failure.
func withBridge(
    lab onLAN: Bool = false, labName: String? = nil, broker plan: BrokerPlan = .anonymous, proxy: Bool = false,
    watcher watcherPlan: WatcherPlan = .anonymous, config: BridgeConfig? = BridgeConfig(), startDaemon: Bool = true,
    _ body: (Scene) async throws -> Void
) async throws {
    let slots = onLAN ? [DaemonSlots.lab, DaemonSlots.shared] : [DaemonSlots.shared]
    for slot in slots { await slot.acquire() }
    defer { for slot in slots.reversed() { slot.release() } }
    let lab = onLAN ? try await TestLAN.up(name: labName ?? TestLAN.uniqueName(prefix: "rh")) : nil
    let directory: String
    do {
        directory = try temporaryDirectory()
    } catch {
        try? await lab?.down()
        throw error
    }
    // From here on each part is undone by the scene's tear-down.
    let port: Int
    do {
        port = try FreePort.pick()
    } catch {
        try? FileManager.default.removeItem(atPath: directory)
        try? await lab?.down()
        throw error
    }
    let scene = Scene(directory: directory, nmap: StandInNmap(directory: directory), lab: lab, brokerPort: port)
    if let lab { scene.onTeardown("the lab \(lab.name)") { try await lab.down() } }
    scene.onTeardown("the directory") { try FileManager.default.removeItem(atPath: directory) }
    var failed = true
    do {
        try await setUp(scene, plan: plan, proxy: proxy, watcher: watcherPlan)
        if let config { try scene.writeConfig(config) }
        if startDaemon { try scene.startDaemon() }
        try await body(scene)
        failed = false
    } catch {
        try? await scene.tearDown(failed: true)
        throw error
    }
    try await scene.tearDown(failed: failed)
}

private func setUp(_ scene: Scene, plan: BrokerPlan, proxy: Bool, watcher: WatcherPlan) async throws {
    let nmap = try await StandInNmap.install(in: scene.directory, lab: scene.lab)
    if scene.lab != nil { try nmap.set(.real) }
    guard case .started(let config) = plan else { return }
    let broker = try await MosquittoBroker.start(config: config)
    scene.adopt(broker)
    if proxy { scene.adopt(try TCPProxy(upstreamPort: broker.port)) }
    switch watcher {
    case .anonymous: scene.adopt(try await Watcher.start(port: broker.port))
    case .login(let username, let password): scene.adopt(try await Watcher.start(port: broker.port, username: username, password: password))
    case .tls(let caFile): scene.adopt(try await Watcher.start(port: broker.port, tls: .init(caFile: caFile)))
    case .none: break
    }
}

/// A fresh directory under the system's temporary one, readable by the broker's and the bridge's users.
func temporaryDirectory() throws -> String {
    let path = NSTemporaryDirectory() + "nmap2mqtt-e2e-" + UUID().uuidString.prefix(8)
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    chmod(path, 0o755)
    return path
}
