import Logging

/// The re-probe before a departure: is this one address still there?
///
/// A scan that missed a device is not yet evidence that it left: phones doze and miss ARP for
/// seconds, and a switch or access point that reboots silences everyone. So the re-probe is at least
/// as strong as the scan it checks (the user's own host-discovery options), first tries to wake the
/// device, asks more than once, and asks witnesses (hosts that answered the last scan) in the same
/// runs, so that silence while they answer is told apart from silence while nobody does.
extension NmapScanner {
    /// Discovery runs in one re-probe, and the pause between them.
    static let probeAttempts = 3
    static let probePause: Duration = .milliseconds(700)

    /// Re-probes `address`, with `witnesses` asked in the same runs:
    /// 1. a wake-up, at most once per `wakeInterval` for this address (`wakeCommand(address:)`); its
    ///    result is ignored (`-Pn` reports every host up);
    /// 2. up to three `nmap -sn` runs 0.7 s apart (`probeCommand(address:witnesses:)`), stopping at the
    ///    first in which the address answers; a failed run ends the re-probe at once.
    ///
    /// Never throws: an invalid address or a broken nmap is a `.failed` report.
    public func probe(address: String, witnesses: [String]) async -> ProbeReport {
        let address = address.trimmingWhitespace()
        guard let target = NmapTarget.canonicalAddress(address) else {
            return .failed(
                ScanFailure(
                    kind: .invalidRequest,
                    message: "cannot re-probe '\(address)': expected a single IPv4 or IPv6 address"))
        }
        await wakeIfDue(address: address, canonical: target)
        if Task.isCancelled { return .failed(Self.cancelledProbe) }

        let kept = probeWitnesses(for: address, witnesses)
        let witnessSet = Set(kept.compactMap(NmapTarget.canonicalAddress))
        let argv = probeCommand(address: address, witnesses: kept)
        var witnessed = false
        for attempt in 1...Self.probeAttempts {
            if attempt > 1 {
                do { try await Task.sleep(for: Self.probePause) } catch { return .failed(Self.cancelledProbe) }
            }
            let result: ScanResult
            switch await execute(argv, what: "probe") {
            case .failed(let failure): return .failed(failure)
            case .complete(let complete): result = complete
            }
            let answering = Set(result.hosts.compactMap { NmapTarget.canonicalAddress($0.address) })
            if let host = result.hosts.first(where: { NmapTarget.canonicalAddress($0.address) == target }) {
                logProbe(address, outcome: "answered", attempt: attempt, mac: host.mac)
                return .answered(mac: host.mac)
            }
            if !answering.isDisjoint(with: witnessSet) { witnessed = true }
        }
        let report: ProbeReport = kept.isEmpty || witnessed ? .noAnswer : .unwitnessed
        logProbe(address, outcome: report == .noAnswer ? "no answer" : "unwitnessed", attempt: Self.probeAttempts, mac: nil)
        return report
    }

    /// The argv of the wake-up: `nmap -oX - -n -Pn --disable-arp-ping -sU -p 5353 --max-retries 0
    /// --host-timeout 2s [packet path] ADDRESS`, the packet path being `--privileged`,
    /// `--unprivileged`, `--send-eth`, `--send-ip`, `-e IF` and `-6` from the scan options.
    ///
    /// As root nmap 7.93 sends its four mDNS payloads for port 5353 (nmap-payloads), unicast to the
    /// device's MAC. `--disable-arp-ping` matters: without it nmap first sends its own broadcast ARP
    /// even with `-Pn`, and sends nothing more when that goes unanswered, which is exactly what a
    /// dozing phone does. With it nmap takes the MAC from the kernel's neighbour table when that
    /// still has it (then no ARP at all), else leaves resolution to the kernel.
    public func wakeCommand(address: String) -> [String] {
        let address = address.trimmingWhitespace()
        var argv = [
            configuration.nmapPath, "-oX", "-", "-n", "-Pn", "--disable-arp-ping", "-sU", "-p", "5353",
            "--max-retries", "0", "--host-timeout", "2s",
        ]
        let options = probeOptions(keepDiscovery: false)
        argv += options.words
        if address.contains(":") && !options.carriesIPv6 { argv.append("-6") }
        argv.append(address)
        return argv
    }

    /// The argv of one discovery run: `nmap -oX - -sn -n <host discovery and packet path> ADDRESS
    /// WITNESS...`.
    ///
    /// From the scan options it keeps every `-P` option but `-Pn` (which would report everyone up),
    /// `--disable-arp-ping`, `--send-eth`, `--send-ip`, `--privileged`, `--unprivileged`, `-e IF`,
    /// `-6`, `-T`, `--max-retries`, `--min-rtt-timeout`, `--max-rtt-timeout`, `--initial-rtt-timeout`
    /// and `--host-timeout` (raised to 2 s if shorter); it drops ports, scan types, scripts, verbosity
    /// and output options. Witnesses are kept only when they are single addresses of the address's
    /// family, not the address itself nor this machine's own, without duplicates.
    public func probeCommand(address: String, witnesses: [String]) -> [String] {
        let address = address.trimmingWhitespace()
        var argv = [configuration.nmapPath, "-oX", "-", "-sn", "-n"]
        let options = probeOptions(keepDiscovery: true)
        argv += options.words
        if address.contains(":") && !options.carriesIPv6 { argv.append("-6") }
        argv.append(address)
        argv += probeWitnesses(for: address, witnesses)
        return argv
    }

    /// A single `nmap -sn -n` run that keeps only the packet-path options, without wake-up, retries or
    /// witnesses: the re-probe before `probe(address:witnesses:)`, kept while callers move over.
    public func probe(address: String) async -> ScanReport {
        guard NmapTarget.isSingleAddress(address) else {
            return .failed(
                ScanFailure(
                    kind: .invalidRequest,
                    message: "cannot re-probe '\(address)': expected a single IPv4 or IPv6 address"))
        }
        return await execute(probeCommand(address: address), what: "probe")
    }

    /// The argv of `probe(address:)`: `nmap -oX - -sn -n [packet path] ADDRESS`.
    public func probeCommand(address: String) -> [String] {
        var argv = [configuration.nmapPath, "-oX", "-", "-sn", "-n"]
        let options = probeOptions(keepDiscovery: false)
        argv += options.words
        if address.contains(":") && !options.carriesIPv6 { argv.append("-6") }
        argv.append(address)
        return argv
    }

    // MARK: Parts

    /// The witnesses worth asking: single addresses of `address`'s family, never `address` itself
    /// (in any spelling) nor this machine's own addresses (they always answer, so they prove nothing),
    /// each once, in the order given.
    func probeWitnesses(for address: String, _ witnesses: [String]) -> [String] {
        guard let target = NmapTarget.canonicalAddress(address) else { return [] }
        let isIPv6 = target.contains(":")
        let own = OwnAddresses.current()
        var seen: Set<String> = [target]
        seen.formUnion((isIPv6 ? own.ipv6 : own.ipv4).compactMap(NmapTarget.canonicalAddress))
        var kept: [String] = []
        for witness in witnesses.map({ $0.trimmingWhitespace() }) {
            guard let canonical = NmapTarget.canonicalAddress(witness), canonical.contains(":") == isIPv6,
                seen.insert(canonical).inserted
            else { continue }
            kept.append(witness)
        }
        return kept
    }

    /// The scan options a re-probe keeps, in the user's order and spelling. `keepDiscovery: false`
    /// keeps only how packets are sent; `true` adds host discovery and timing.
    func probeOptions(keepDiscovery: Bool) -> (words: [String], carriesIPv6: Bool) {
        let words = validated.scanOptionWords
        var kept: [String] = []
        var carriesIPv6 = false
        var index = 0
        while index < words.count {
            let word = words[index]
            // A separate value, as validation reads it: the next word, unless it is an option itself.
            let value = index + 1 < words.count && !words[index + 1].hasPrefix("-") ? words[index + 1] : nil
            let name = word.hasPrefix("--") ? String(word.dropFirst(2).prefix(while: { $0 != "=" })) : ""
            switch word {
            case "--privileged", "--unprivileged", "--send-eth", "--send-ip":
                kept.append(word)
            case "-6":
                kept.append(word)
                carriesIPv6 = true
            case "-e":
                if let value { kept += [word, value] }
            case "--disable-arp-ping" where keepDiscovery:
                kept.append(word)
            case "-Pn", "-P0", "-PN":
                break // every host up: the re-probe would always answer
            case _ where word.hasPrefix("-e") && !word.hasPrefix("--") && word.count > 2:
                kept.append(word) // -eIF
            case _ where keepDiscovery && word.hasPrefix("-P") && word.count > 2:
                kept.append(word) // -PR, -PS22,80, -PE...: nmap takes their values attached only
            case _ where keepDiscovery && word.hasPrefix("-T") && word.count > 2:
                kept.append(word) // -T4, -Taggressive
            case "-T" where keepDiscovery:
                if let value { kept += [word, value] }
            case _ where keepDiscovery && Self.keptTimingOptions.contains(name):
                if let equals = word.firstIndex(of: "=") {
                    let given = String(word[word.index(after: equals)...])
                    kept.append("--\(name)=\(name == "host-timeout" ? Self.atLeastTwoSeconds(given) : given)")
                } else if let value {
                    kept += [word, name == "host-timeout" ? Self.atLeastTwoSeconds(value) : value]
                }
            default:
                break
            }
            // Kept or not, an option's separate value goes with it.
            index += ScannerConfiguration.takesSeparateValue(word) && value != nil ? 2 : 1
        }
        return (kept, carriesIPv6)
    }

    static let keptTimingOptions: Set<String> = [
        "max-retries", "host-timeout", "min-rtt-timeout", "max-rtt-timeout", "initial-rtt-timeout",
    ]

    /// An nmap time (`500ms`, `1.5s`, `2m`, `1h`, a bare number of seconds) raised to `2s` when shorter;
    /// `0` (no timeout) and what does not parse are left for nmap to judge.
    static func atLeastTwoSeconds(_ time: String) -> String {
        let lower = time.lowercased()
        let units: [(String, Double)] = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600)]
        var number = Substring(lower)
        var scale = 1.0
        for (suffix, factor) in units where lower.hasSuffix(suffix) {
            number = lower.dropLast(suffix.count)
            scale = factor
            break
        }
        guard let value = Double(number), value.isFinite, value > 0 else { return time }
        return value * scale < 2 ? "2s" : time
    }

    static let cancelledProbe = ScanFailure(kind: .cancelled, message: "the probe was cancelled and nmap was stopped")

    /// Sends the wake-up when this address is due one. Without raw sockets nmap refuses `-sU`; then
    /// waking is given up for good (logged once) rather than tried and failed before every re-probe.
    private func wakeIfDue(address: String, canonical: String) async {
        if validated.scanOptionWords.contains("--unprivileged") { return }
        guard wakeLimiter.claim(canonical) else { return }
        let report = await execute(wakeCommand(address: address), what: "wake")
        if let failure = report.failure, case .nonZeroExit = failure.kind,
            failure.stderr.contains("requires root privileges")
        {
            wakeLimiter.refuse()
            logger.info(
                "wake-up packets before re-probes are off: nmap cannot send raw UDP here (no root, no --privileged)",
                metadata: ["scan.failure": "\(failure)"])
        }
    }

    private func logProbe(_ address: String, outcome: String, attempt: Int, mac: String?) {
        logger.debug(
            "probe finished",
            metadata: [
                "scan.probe.address": "\(address)", "scan.probe.outcome": "\(outcome)",
                "scan.probe.attempts": "\(attempt)", "scan.host.mac": "\(mac ?? "-")",
            ])
    }
}
