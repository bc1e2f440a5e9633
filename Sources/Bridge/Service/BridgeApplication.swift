import Foundation
import Logging
import Mosquitto
import NmapScanner
import PassiveListener
import Presence
import ServiceLifecycle
import StatusPage
import UnixSignals

/// The daemon, built from a ``BridgeConfiguration`` by one factory that the executable and the tests
/// both call (``build(configuration:logger:rediscoveryDelay:)``).
///
/// It is a `ServiceGroup` of small services, in this order:
/// 1. ``BrokerSession``: connects, subscribes, audits discovery on each connection, disconnects at the end;
/// 2. ``PublishingService``: keeps the broker in step with what the bridge states (``TopicPublisher``);
/// 3. ``StateFileWriter``: writes the state file from its own task;
/// 4. ``HomeAssistantListener``: Home Assistant's birth, deletions, forget requests;
/// 5. ``PresenceService``: scans, re-probes and decisions;
/// 6. ``PassiveService`` (unless `scan.listen: false`): devices heard between scans;
/// 7. ``StatusPageService`` (unless `web.enabled: false`): the page, `/metrics`, `/healthz`, with the
///    ``HistoryWriter`` that keeps the page's history beside the state file.
///
/// They share one ``BridgeState``. A graceful shutdown stops them in reverse order, so the last scan's
/// result is saved, then published, then `offline` is said and the connection closes. A new presence
/// source or a new output is one more service in this list (docs/ARCHITECTURE.md).
public struct BridgeApplication: Sendable {
    public let configuration: BridgeConfiguration
    let state: BridgeState
    let services: [any Service]
    /// The scan loop, for tests that step it by hand.
    let presence: PresenceService
    private let logger: Logger
    private let client: MosquittoClient

    public static func build(
        configuration: BridgeConfiguration, logger: Logger,
        rediscoveryDelay: Duration = .seconds(5)
    ) throws(BridgeError) -> BridgeApplication {
        var scanners: [NmapScanner] = []
        for (index, scannerConfiguration) in configuration.scannerConfigurations.enumerated() {
            do {
                scanners.append(try NmapScanner(configuration: scannerConfiguration, logger: logger))
            } catch {
                throw BridgeError(configuration.scan.targets.isEmpty ? "scan: \(error)" : "scan.targets[\(index)]: \(error)")
            }
        }
        let network = TargetScanners(scanners: scanners)
        return try build(
            configuration: configuration, logger: logger, scanner: network, rediscoveryDelay: rediscoveryDelay,
            vendor: { network.scanner(0).vendor(ofMAC: $0) })
    }

    /// The factory itself, with the network to scan passed in (tests pass a scripted one).
    static func build(
        configuration: BridgeConfiguration, logger: Logger, scanner: some NetworkScanning,
        rediscoveryDelay: Duration = .seconds(5), now: @escaping @Sendable () -> Date = { Date() },
        uptime: (@Sendable () -> TimeInterval)? = nil, vendor: @escaping @Sendable (String) -> String? = { _ in nil },
        passiveListener: (@Sendable () throws -> PassiveListener)? = nil
    ) throws(BridgeError) -> BridgeApplication {
        let client: MosquittoClient
        do {
            client = try MosquittoClient(configuration: configuration.mqttConfiguration, logger: logger)
        } catch {
            throw BridgeError("mqtt: \(error)")
        }
        let (store, saved) = try configuration.loadState(logger: logger)
        let publisher = TopicPublisher(logger: logger)
        if configuration.homeAssistant.discovery { publisher.holdDiscovery() }
        let writer = StateFileWriter(store: store)
        let historyFile = HistoryFile(besideStateFile: configuration.stateFile)
        let history = loadHistory(historyFile, logger: logger)
        let historyWriter = HistoryWriter(file: historyFile, logger: logger)
        let state = BridgeState(
            configuration: configuration, saved: saved, publisher: publisher, writer: writer, history: history,
            historyWriter: historyWriter, logger: logger, now: now, uptime: uptime)
        let listener = HomeAssistantListener(state: state, client: client, rediscoveryDelay: rediscoveryDelay, logger: logger)
        let presence = PresenceService(state: state, scanner: scanner, logger: logger)
        var services: [any Service] = [
            BrokerSession(state: state, client: client, listener: listener, logger: logger),
            LeaderSeat(state: state, configuration: configuration.leaderSeatConfiguration, logger: logger),
            PublishingService(
                publisher: publisher, sink: client,
                lastWords: {
                    state.beginStopping()
                    return state.lastWords()
                }),
            writer,
            historyWriter,
            listener,
            presence,
        ]
        if configuration.scan.listen {
            let open = passiveListener ?? { try PassiveListener.open(logger: logger) }
            services.append(PassiveService(state: state, logger: logger, vendor: vendor, open: open))
        }
        if configuration.web.enabled {
            let options = StatusServer.Options(
                authToken: configuration.web.authToken,
                scanInterval: configuration.scan.effectiveTargets.map(\.interval).min() ?? configuration.scan.interval)
            let server = StatusServer(
                host: configuration.web.host, port: configuration.web.port, source: state.board, metrics: state.metrics,
                logger: logger, options: options)
            services.append(StatusPageService(server: server, logger: logger))
        }
        return BridgeApplication(configuration: configuration, state: state, services: services, presence: presence, logger: logger, client: client)
    }

    /// Runs the bridge until one of `signals` (or cancellation) stops it; throws when it cannot run on
    /// (the broker refused its credentials, ...), after a graceful shutdown of everything else.
    public func run(gracefulShutdownSignals signals: [UnixSignal] = []) async throws {
        logger.info(
            "nmap2mqtt starting",
            metadata: [
                "bridge.version": "\(BridgeVersion.current)", "mqtt.broker": "\(client.configuration)",
                "scan.targets": "\(configuration.scan.allHosts.joined(separator: " "))", "bridge.state_file": "\(configuration.stateFile)",
            ])
        state.clearUntracked()
        state.sync()
        let group = ServiceGroup(
            configuration: .init(
                services: services.map {
                    .init(service: $0, successTerminationBehavior: .gracefullyShutdownGroup, failureTerminationBehavior: .gracefullyShutdownGroup)
                },
                gracefulShutdownSignals: signals,
                logger: logger))
        defer { logger.info("nmap2mqtt stopped") }
        try await group.run()
    }

    /// The page's history; a file that cannot be parsed is moved aside, one that cannot be read leaves the
    /// history empty for this run (the page shows "unknown" before now): neither stops the bridge.
    private static func loadHistory(_ file: HistoryFile, logger: Logger) -> PresenceHistory {
        do {
            return try file.load()
        } catch {
            if error.code == .historyCorrupt, let aside = file.moveAside() {
                logger.warning(
                    "The status page's history could not be read; moved aside, starting a new one",
                    metadata: [
                        "web.history": "\(file.path)", "web.moved_to": "\(aside)", "web.error": "\(error)",
                    ])
            } else {
                logger.warning(
                    "The status page's history cannot be read; the page shows this run only",
                    metadata: [
                        "web.history": "\(file.path)", "web.error": "\(error)",
                    ])
            }
            return PresenceHistory()
        }
    }
}
