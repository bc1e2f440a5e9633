import Foundation
import Synchronization
import TestSupport
import Testing

/// One scenario's surroundings, made by ``withBridge(lab:labName:broker:proxy:watcher:config:startDaemon:_:)``:
/// a directory with the stand-in nmap in it (passing through to real nmap on ``lab``, when there is
/// one), the broker, a watcher subscribed to everything on it, and the daemons the scenario started.
/// Everything it holds is torn down, in reverse order, when the scenario ends, whether it passed or not.
final class Scene: Sendable {
    let directory: String
    let nmap: StandInNmap
    let lab: TestLAN?
    /// The port a broker of ``BrokerPlan/later`` will listen on.
    private let reservedPort: Int

    private struct Parts {
        var broker: MosquittoBroker?
        var proxy: TCPProxy?
        var watcher: Watcher?
        var daemons: [Daemon] = []
        /// Undone last first.
        var teardown: [(what: String, undo: @Sendable () async throws -> Void)] = []
    }

    private let parts = Mutex(Parts())

    init(directory: String, nmap: StandInNmap, lab: TestLAN?, brokerPort: Int) {
        self.directory = directory
        self.nmap = nmap
        self.lab = lab
        reservedPort = brokerPort
    }

    var configFile: String { directory + "/config.yaml" }
    var stateFile: String { directory + "/state.json" }
    var logFile: String { directory + "/daemon.log" }

    /// Every device id the scans find: the lab's hosts, or the stand-in's captured scan.
    var ids: [String] { lab.map { $0.hosts.map(\.deviceID) } ?? StandInNmap.fixtureIDs }

    var broker: MosquittoBroker {
        guard let broker = parts.withLock({ $0.broker }) else { preconditionFailure("this scene has no broker (yet): startBroker()") }
        return broker
    }

    var watcher: Watcher {
        guard let watcher = parts.withLock({ $0.watcher }) else { preconditionFailure("this scene has no watcher") }
        return watcher
    }

    /// The proxy between the daemon and the broker (`withBridge(proxy: true)`).
    var proxy: TCPProxy {
        guard let proxy = parts.withLock({ $0.proxy }) else { preconditionFailure("this scene has no proxy") }
        return proxy
    }

    /// The broker's port; for ``BrokerPlan/later`` known before it is started.
    var brokerPort: Int { parts.withLock { $0.broker?.port } ?? reservedPort }

    /// Where the daemon connects: the proxy when there is one, else the broker.
    var daemonPort: Int { parts.withLock { $0.proxy?.port } ?? brokerPort }

    /// The daemon started last.
    var daemon: Daemon {
        guard let daemon = parts.withLock({ $0.daemons.last }) else { preconditionFailure("no daemon started in this scene") }
        return daemon
    }

    /// Every daemon started in this scene so far, the first first.
    var startedDaemons: [Daemon] { parts.withLock { $0.daemons } }

    /// Writes `config` to config.yaml (or `file`), what it leaves nil filled in from this scene.
    func writeConfig(_ config: BridgeConfig = BridgeConfig(), to file: String? = nil) throws {
        let text = config.render(
            port: config.port ?? daemonPort, nmapPath: config.nmapPath ?? nmap.path,
            hosts: config.hosts ?? lab?.subnet ?? "198.18.42.0/24", stateFile: config.stateFile ?? stateFile)
        try text.write(toFile: file ?? configFile, atomically: true, encoding: .utf8)
    }

    /// Starts the daemon on config.yaml, or what `launch` starts with the log file it is given (the
    /// daemon under unshare, libfaketime or another user). It is killed when the scenario ends.
    @discardableResult
    func startDaemon(_ launch: ((_ logFile: String) throws -> ChildProcess)? = nil) throws -> Daemon {
        let process = try launch?(logFile) ?? ChildProcess(Daemon.executable, ["run", "--config", configFile], outputFile: logFile)
        let daemon = Daemon(process: process, logFile: logFile)
        parts.withLock { $0.daemons.append(daemon) }
        return daemon
    }

    /// Starts the broker of ``BrokerPlan/later`` on ``brokerPort``.
    @discardableResult
    func startBroker(config: MosquittoBrokerConfig = .anonymous) async throws -> MosquittoBroker {
        let broker = try await MosquittoBroker.start(config: config, port: reservedPort)
        adopt(broker)
        return broker
    }

    /// Runs a short command of the executable in this scene's directory.
    func run(_ arguments: [String]) async throws -> (status: Int32, output: String) {
        try await Daemon.run(arguments, directory: directory)
    }

    // MARK: Set-up and tear-down, for withBridge

    func adopt(_ broker: MosquittoBroker) {
        parts.withLock { $0.broker = broker }
        onTeardown("the broker") { await broker.stop() }
    }

    func adopt(_ proxy: TCPProxy) {
        parts.withLock { $0.proxy = proxy }
        onTeardown("the proxy") { proxy.close() }
    }

    func adopt(_ watcher: Watcher) {
        parts.withLock { $0.watcher = watcher }
        onTeardown("the watcher") { await watcher.stop() }
    }

    func onTeardown(_ what: String, _ undo: @escaping @Sendable () async throws -> Void) {
        parts.withLock { $0.teardown.append((what, undo)) }
    }

    /// Kills every daemon (recording the end of their logs when the scenario failed), then undoes the
    /// rest, last made first. Throws the first error of a tear-down that failed after a passing scenario.
    func tearDown(failed: Bool) async throws {
        let (daemons, teardown) = parts.withLock { parts in
            defer {
                parts.daemons = []
                parts.teardown = []
            }
            return (parts.daemons, parts.teardown)
        }
        for daemon in daemons {
            await daemon.process.kill()
        }
        if failed {
            for logFile in Set(daemons.map(\.logFile)).sorted() {
                let log = (try? String(contentsOfFile: logFile, encoding: .utf8)) ?? ""
                Issue.record("daemon log \(logFile):\n\(log.suffix(4000))")
            }
        }
        var firstError: (any Error)?
        for step in teardown.reversed() {
            do {
                try await step.undo()
            } catch {
                firstError = firstError ?? EndToEndError("tearing down \(step.what): \(error)")
            }
        }
        if let firstError, !failed { throw firstError }
    }
}
