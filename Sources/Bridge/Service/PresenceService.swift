import Logging
import NetworkAddresses
import NmapScanner
import Presence
import ServiceLifecycle
import StatusPage

/// Scans on schedule and decides presence. Each target of `scan.targets` (or the one `scan.hosts`) has its
/// own schedule; a ``ScanScheduler`` decides which scans run, at most `scan.parallel` at once across
/// targets and chunks (a target wider than `scan.chunk_prefix` is scanned one chunk at a time, and its
/// round goes to the engine once, when all chunks are done). Between scans it runs the re-probes and
/// departures the engine asks for, with their own limit. Everything it learns goes through ``BridgeState``.
final class PresenceService: Service, Sendable {
    private let state: BridgeState
    private let scanner: any NetworkScanning
    private let logger: Logger
    /// Every target with its values settled, by index (the engine's target numbers).
    let targets: [ScanTarget]
    /// Each target's chunks (``ScanChunks``): the host lists of its scans, one nmap run each.
    let chunks: [[[String]]]

    init(state: BridgeState, scanner: any NetworkScanning, logger: Logger) {
        self.state = state
        self.scanner = scanner
        self.logger = logger
        targets = state.configuration.scan.effectiveTargets
        let prefix = state.configuration.scan.chunkPrefix
        chunks = targets.map { ScanChunks.split($0.hosts, prefix: prefix) }
    }

    func run() async {
        await cancelWhenGracefulShutdown { await self.loop() }
        // Last words: a state file with the freshest last_seen times, and the end of watching in the history.
        state.save()
        state.stopped()
    }

    /// The schedule: scans start as the scheduler says and end in their own child tasks, which ring the
    /// doorbell; the loop then takes in what ended, asks the engine what now, starts what is due and waits.
    private func loop() async {
        let doorbell = WakeSignal()
        let inbox = ScanLoopInbox()
        var scheduler = ScanScheduler(
            intervals: targets.map(\.interval.timeInterval), chunkCounts: chunks.map(\.count),
            parallel: state.configuration.scan.parallel, start: state.moment().elapsed)
        var rounds: [Int: TargetRound] = [:]
        await withDiscardingTaskGroup { group in
            while !Task.isCancelled {
                for (job, report) in inbox.takeEnded() {
                    rounds[job.target]?.add(report)
                    guard scheduler.finished(job, at: state.moment().elapsed), let round = rounds.removeValue(forKey: job.target),
                        !Task.isCancelled
                    else { continue }
                    apply(round.report, startedAt: round.started, target: job.target)
                }
                var plan = PresencePlan()
                state.step { status in
                    plan = status.engine.next(at: state.moment())
                    return plan.changes
                }
                if !plan.probes.isEmpty, inbox.startProbing() {
                    let probes = plan.probes
                    group.addTask {
                        await self.reprobe(probes)
                        inbox.probingEnded()
                        doorbell.signal()
                    }
                }
                let now = state.moment()
                for job in scheduler.start(at: now.elapsed) {
                    if job.chunk == 0 {
                        rounds[job.target] = TargetRound(started: now, exclusions: plan.scanExclusions(target: job.target))
                    }
                    let exclusions = rounds[job.target]?.exclusions ?? []
                    let hosts = chunks[job.target][job.chunk]
                    group.addTask {
                        let report = await self.scanner.scan(target: job.target, hosts: hosts, alsoExclude: exclusions)
                        inbox.ended(job, report)
                        doorbell.signal()
                    }
                }
                var wake = scheduler.nextWake
                if let at = plan.wakeAt { wake = min(wake ?? at, at) }
                await doorbell.wait(until: wake.map(state.instant(at:)))
            }
        }
    }

    // MARK: - Scans

    /// One complete round of the first target and what it means (tests step the service with it).
    func scan(excluding exclusions: [String]) async {
        await round(target: 0, excluding: exclusions)
    }

    /// One complete round of `target`: its chunks one after another, applied once at the end.
    func round(target: Int, excluding exclusions: [String]) async {
        var round = TargetRound(started: state.moment(), exclusions: exclusions)
        for hosts in chunks[target] {
            round.add(await scanner.scan(target: target, hosts: hosts, alsoExclude: exclusions))
            if Task.isCancelled { return }
        }
        apply(round.report, startedAt: round.started, target: target)
    }

    func apply(_ report: ScanReport, startedAt started: Moment, target: Int = 0) {
        let ended = state.moment()
        let name = targets[target].name
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
                status.scanned(target: target, start: started.wall, duration: ended.elapsed - started.elapsed)
                status.hostsUp = result.hosts.count
                silentBefore = status.engine.targets[target].consecutiveOutages
                let changes = status.engine.apply(.complete(sightings), startedAt: started, at: ended, target: target)
                round = status.engine.targets[target].lastRound ?? .ok
                silent = status.engine.targets[target].consecutiveOutages
                status.lastScanOK = round == .ok
                return changes
            }
            state.scanned(round, duration: ended.elapsed - started.elapsed)
            if round == .outage, silent == 1 || silent % 25 == 0 {
                logger.warning(
                    "No host answered the scan: the network looks down (a switch or access point restarting?), not an empty house; no device changes state until hosts answer again",
                    metadata: [
                        "scan.consecutive_outages": "\(silent)", "scan.target": "\(name)",
                        "scan.targets": "\(targets[target].hosts.joined(separator: " "))",
                    ])
            } else if round == .ok, silentBefore > 0 {
                logger.info(
                    "Hosts answer the scan again; the network is back", metadata: ["scan.silent_scans": "\(silentBefore)", "scan.target": "\(name)"])
            }
            for host in newWithoutMAC where !state.configuration.trackWithoutMAC {
                logger.info(
                    "Host is up but its MAC is unknown (routed, VPN, or this machine); not tracked. Set track_without_mac: true to track it by IP",
                    metadata: ["scan.host.ip": "\(host.address)", "scan.host.reason": "\(host.reason)"])
            }
            logger.debug(
                "Scan complete",
                metadata: [
                    "scan.target": "\(name)", "scan.hosts_up": "\(result.hosts.count)", "scan.duration": "\(ended.elapsed - started.elapsed)",
                ])
        case .failed(let failure):
            if failure.kind == .cancelled { return }
            var failures = 0
            state.step { status in
                status.scanned(target: target, start: started.wall, duration: ended.elapsed - started.elapsed)
                status.lastScanOK = false
                status.lastError = failure.description
                let changes = status.engine.apply(.failed(reason: failure.description), startedAt: started, at: ended, target: target)
                failures = status.engine.targets[target].consecutiveFailures
                return changes
            }
            state.scanned(.failed, duration: ended.elapsed - started.elapsed)
            logger.error(
                "Scan failed; no device changes state until a scan succeeds",
                metadata: [
                    "scan.target": "\(name)", "scan.error": "\(failure.description)", "scan.consecutive_failures": "\(failures)",
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
        switch await scanner.probe(target: request.target, address: request.address, witnesses: request.witnesses) {
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
