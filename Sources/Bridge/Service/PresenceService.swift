import Logging
import NetworkAddresses
import NmapScanner
import Presence
import ServiceLifecycle

/// Scans on schedule and decides presence: one nmap at a time, a new scan every `scan.interval_seconds`
/// (a long scan makes the next one wait), and between scans the re-probes and departures the engine asks
/// for. Everything it learns goes through ``BridgeState``.
final class PresenceService: Service, Sendable {
    private let state: BridgeState
    private let scanner: any NetworkScanning
    private let logger: Logger

    init(state: BridgeState, scanner: any NetworkScanning, logger: Logger) {
        self.state = state
        self.scanner = scanner
        self.logger = logger
    }

    func run() async {
        await cancelWhenGracefulShutdown { await self.loop() }
        // Last words: a state file with the freshest last_seen times, and the end of watching in the history.
        state.save()
        state.stopped()
    }

    private func loop() async {
        let interval = state.configuration.scan.interval
        var nextScan = ContinuousClock.now
        while !Task.isCancelled {
            var plan = PresencePlan()
            state.step { status in
                plan = status.engine.next(at: state.moment())
                return plan.changes
            }
            if !plan.probes.isEmpty {
                await reprobe(plan.probes)
                continue
            }
            if ContinuousClock.now >= nextScan {
                await scan(excluding: plan.scanExclusions)
                nextScan = max(nextScan + interval, ContinuousClock.now)
                continue
            }
            var wake = nextScan
            if let at = plan.wakeAt { wake = min(wake, state.instant(at: at)) }
            try? await Task.sleep(until: wake, clock: .continuous)
        }
    }

    // MARK: - Scans

    /// One complete scan and what it means.
    func scan(excluding exclusions: [String]) async {
        let started = state.moment()
        let report = await scanner.scan(alsoExclude: exclusions)
        if Task.isCancelled { return }
        apply(report, startedAt: started)
    }

    func apply(_ report: ScanReport, startedAt started: Moment) {
        let ended = state.moment()
        switch report {
        case .complete(let result):
            let sightings = result.hosts.map {
                Sighting(mac: $0.mac, ip: $0.address, hostName: $0.hostName, vendor: $0.vendor, reason: $0.reason, randomizedMAC: $0.randomizedMAC)
            }
            var newWithoutMAC: [ScanHost] = []
            var (round, silentBefore, silent) = (ScanRoundResult.ok, 0, 0)
            state.step(source: "scan") { status in
                for host in result.hosts {
                    if let mac = host.mac.flatMap(MACAddress.normalized) { status.lastSource[MACAddress.deviceID(forMAC: mac)] = "scan" }
                }
                newWithoutMAC = result.hosts.filter { $0.mac == nil && status.loggedWithoutMAC.insert($0.address).inserted }
                status.lastScanStart = started.wall
                status.lastScanDuration = ended.elapsed - started.elapsed
                status.hostsUp = result.hosts.count
                silentBefore = status.engine.consecutiveOutages
                let changes = status.engine.apply(.complete(sightings), startedAt: started, at: ended)
                round = status.engine.lastRound ?? .ok
                silent = status.engine.consecutiveOutages
                status.lastScanOK = round == .ok
                return changes
            }
            state.scanned(round, duration: ended.elapsed - started.elapsed)
            if round == .outage, silent == 1 || silent % 25 == 0 {
                logger.warning(
                    "No host answered the scan: the network looks down (a switch or access point restarting?), not an empty house; no device changes state until hosts answer again",
                    metadata: ["scan.consecutive_outages": "\(silent)", "scan.targets": "\(state.configuration.scan.hosts.joined(separator: " "))"])
            } else if round == .ok, silentBefore > 0 {
                logger.info("Hosts answer the scan again; the network is back", metadata: ["scan.silent_scans": "\(silentBefore)"])
            }
            for host in newWithoutMAC where !state.configuration.trackWithoutMAC {
                logger.info(
                    "Host is up but its MAC is unknown (routed, VPN, or this machine); not tracked. Set track_without_mac: true to track it by IP",
                    metadata: ["scan.host.ip": "\(host.address)", "scan.host.reason": "\(host.reason)"])
            }
            logger.debug(
                "Scan complete", metadata: ["scan.hosts_up": "\(result.hosts.count)", "scan.duration": "\(ended.elapsed - started.elapsed)"])
        case .failed(let failure):
            if failure.kind == .cancelled { return }
            var failures = 0
            state.step { status in
                status.lastScanStart = started.wall
                status.lastScanDuration = ended.elapsed - started.elapsed
                status.lastScanOK = false
                status.lastError = failure.description
                let changes = status.engine.apply(.failed(reason: failure.description), startedAt: started, at: ended)
                failures = status.engine.consecutiveFailures
                return changes
            }
            state.scanned(.failed, duration: ended.elapsed - started.elapsed)
            logger.error(
                "Scan failed; no device changes state until a scan succeeds",
                metadata: [
                    "scan.error": "\(failure.description)", "scan.consecutive_failures": "\(failures)",
                ])
        }
    }

    // MARK: - Re-probes

    /// How many re-probes run at once (each is one nmap on one address and its witnesses).
    static let parallelProbes = 4

    /// Re-probes the devices whose departure falls due, a few at a time, and decides each as its answer comes.
    func reprobe(_ requests: [ProbeRequest]) async {
        var pending = requests[...]
        while !pending.isEmpty, !Task.isCancelled {
            let batch = pending.prefix(Self.parallelProbes)
            pending = pending.dropFirst(batch.count)
            await withTaskGroup(of: (ProbeRequest, ProbeResult).self) { group in
                for request in batch {
                    group.addTask { (request, await self.probe(request)) }
                }
                for await (request, result) in group where !Task.isCancelled {
                    state.step(source: "re-probe") { status in
                        if case .answered = result { status.lastSource[request.deviceID] = "re-probe" }
                        return status.engine.resolve(request, result, at: state.moment())
                    }
                }
            }
        }
    }

    /// The re-probe before a departure: a wake-up for a dozing phone, then up to three pings of its
    /// address together with witnesses (``NmapScanner/probe(address:witnesses:)``).
    private func probe(_ request: ProbeRequest) async -> ProbeResult {
        switch await scanner.probe(address: request.address, witnesses: request.witnesses) {
        case .answered(let mac):
            return .answered(mac: mac)
        case .noAnswer:
            return .noAnswer
        case .unwitnessed:
            let reason = "neither \(request.address) nor any witness (\(request.witnesses.joined(separator: ", "))) answered: the network looks down"
            logger.warning(
                "Re-probe got no answer from anyone; the device stays as it is until the network answers",
                metadata: [
                    "scan.host.ip": "\(request.address)", "scan.witnesses": "\(request.witnesses.joined(separator: " "))",
                ])
            return .failed(reason: reason)
        case .failed(let failure) where failure.kind == .cancelled:
            // The bridge is stopping: nothing failed.
            return .failed(reason: failure.description)
        case .failed(let failure):
            logger.warning(
                "Re-probe failed; the device stays as it is until nmap works",
                metadata: [
                    "scan.host.ip": "\(request.address)", "scan.error": "\(failure.description)",
                ])
            return .failed(reason: failure.description)
        }
    }
}
