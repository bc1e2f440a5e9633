import Foundation
import Glibc
import Logging
import NetworkAddresses

extension NmapScanner {
    /// Runs `argv`, interprets how nmap ended, parses and enriches its XML.
    func execute(_ argv: [String], what: String) async -> ScanReport {
        let startedAt = Date()
        logger.debug("nmap starting", metadata: ["scan.kind": "\(what)", "scan.argv": "\(argv.joined(separator: " "))"])
        let outcome: ProcessOutcome
        switch await ProcessRunner.run(argv, timeout: configuration.timeout) {
        case .failure(let error):
            return fail(spawnFailure(error), what: what)
        case .success(let finished):
            outcome = finished
        }
        let finishedAt = Date()
        let stderrText = String(decoding: outcome.stderr, as: UTF8.self)
        let excerpt = Self.excerpt(stderrText)

        if outcome.cancelled {
            return fail(ScanFailure(kind: .cancelled, message: "the \(what) was cancelled and nmap was stopped"), what: what)
        }
        if outcome.timedOut {
            return fail(
                ScanFailure(
                    kind: .timedOut,
                    message: "nmap ran longer than the timeout of \(Self.seconds(configuration.timeout)) and was "
                        + "killed with its process group",
                    stderr: excerpt),
                what: what)
        }
        switch outcome.termination {
        case .signaled(let signal)?:
            return fail(
                ScanFailure(
                    kind: .killedBySignal(signal),
                    message: "nmap was killed by signal \(signal) (\(Self.signalName(signal)))", stderr: excerpt),
                what: what)
        case .exited(let code)? where code != 0:
            var message = "nmap exited with status \(code)"
            if case .failure(let parsed) = Result(catching: { () throws(ScanFailure) in try NmapXMLParser.parse(outcome.stdout) }),
                parsed.kind == .nmapReportedError
            {
                message += "; \(parsed.message)"
            }
            return fail(ScanFailure(kind: .nonZeroExit(code), message: message, stderr: excerpt), what: what)
        default:
            break
        }

        let run: NmapRun
        do {
            run = try NmapXMLParser.parse(outcome.stdout)
        } catch {
            var failure = error
            failure.stderr = excerpt
            return fail(failure, what: what)
        }
        let hosts = enrich(run.hosts)
        let warnings = stderrText.split(whereSeparator: \.isNewline).map { String($0).trimmingWhitespace() }
            .filter { !$0.isEmpty }
        let result = ScanResult(
            startedAt: startedAt, finishedAt: finishedAt, argv: argv, hosts: hosts, stats: run.stats,
            warnings: warnings)
        logger.debug(
            "nmap finished",
            metadata: [
                "scan.kind": "\(what)", "scan.hosts.up": "\(hosts.count)", "scan.hosts.total": "\(run.stats.total)",
                "scan.duration": "\(finishedAt.timeIntervalSince(startedAt))",
            ])
        return .complete(result)
    }

    /// Fills in what nmap could not see: MACs from the kernel neighbour table (read now, right after
    /// the scan), vendors from nmap-mac-prefixes, and the randomised-MAC flag.
    func enrich(_ hosts: [ScanHost]) -> [ScanHost] {
        var neighbours: [String: String]?
        var enriched = hosts
        for index in enriched.indices {
            if enriched[index].mac == nil, let ipv4 = enriched[index].ipv4 {
                if neighbours == nil {
                    neighbours = NeighbourTable.read(path: configuration.neighbourTablePath) ?? [:]
                    if neighbours?.isEmpty == true {
                        logger.debug(
                            "neighbour table has no complete entries",
                            metadata: ["scan.neighbour_table": "\(configuration.neighbourTablePath)"])
                    }
                }
                if let mac = neighbours?[ipv4] {
                    enriched[index].mac = mac
                    logger.trace("MAC from the neighbour table", metadata: ["scan.host.ip": "\(ipv4)", "scan.host.mac": "\(mac)"])
                }
            }
            guard let mac = enriched[index].mac else { continue }
            enriched[index].randomizedMAC = MACAddress(mac)?.isLocallyAdministered ?? false
            if enriched[index].vendor == nil, !enriched[index].randomizedMAC {
                enriched[index].vendor = vendors.get()?.vendor(of: mac)
            }
        }
        return enriched
    }

    private func fail(_ failure: ScanFailure, what: String) -> ScanReport {
        logger.info("nmap \(what) failed", metadata: ["scan.failure": "\(failure)"])
        return .failed(failure)
    }

    private func spawnFailure(_ error: SpawnError) -> ScanFailure {
        let reason = String(cString: strerror(error.errno))
        switch error.errno {
        case ENOENT:
            let place = error.program.contains("/") ? "there is no file at that path" : "it is not on PATH"
            return ScanFailure(
                kind: .nmapNotFound,
                message: "cannot run '\(error.program)': \(place); install nmap (apt-get install nmap) or set scan.nmap_path")
        case EACCES, ENOEXEC, EISDIR, EPERM:
            return ScanFailure(
                kind: .nmapNotExecutable,
                message: "cannot run '\(error.program)': \(reason); scan.nmap_path must name an executable program")
        default:
            return ScanFailure(kind: .spawnFailed, message: "cannot start '\(error.program)': \(reason)")
        }
    }

    static func excerpt(_ text: String, limit: Int = 2000) -> String {
        let trimmed = text.trimmingWhitespace()
        return trimmed.count <= limit ? trimmed : "…" + String(trimmed.suffix(limit))
    }

    static func seconds(_ duration: Duration) -> String {
        let value = Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
        return value == value.rounded() ? "\(Int(value)) s" : String(format: "%.3g s", value)
    }

    static func signalName(_ signal: Int32) -> String {
        switch signal {
        case SIGKILL: return "SIGKILL"
        case SIGTERM: return "SIGTERM"
        case SIGINT: return "SIGINT"
        case SIGSEGV: return "SIGSEGV"
        case SIGABRT: return "SIGABRT"
        case SIGHUP: return "SIGHUP"
        case SIGPIPE: return "SIGPIPE"
        default: return "signal \(signal)"
        }
    }
}
