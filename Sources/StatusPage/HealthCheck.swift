#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// What `/healthz` answers: healthy while a scan succeeded recently and the broker is connected.
///
/// "Recently" is ``toleratedIntervals`` scan intervals (default 3), or as many times the last scan's
/// duration when scans take longer than the interval, and never less than 30 s. A fresh daemon gets as long
/// for its first scan to succeed. Outages (scans in which nothing answered) do not count as success: the
/// bridge cannot see the network then.
public struct HealthCheck: Sendable, Equatable {
    /// `scan.interval_seconds`, in seconds.
    public var scanInterval: Double
    /// How many intervals may pass without a successful scan. Default: 3.
    public var toleratedIntervals: Int

    public init(scanInterval: Duration, toleratedIntervals: Int = 3) {
        self.scanInterval = Double(scanInterval.components.seconds) + Double(scanInterval.components.attoseconds) / 1e18
        self.toleratedIntervals = max(1, toleratedIntervals)
    }

    /// How long a scan may be overdue, given the last scan's duration.
    func allowance(lastDuration: Double?) -> Double {
        max(Double(toleratedIntervals) * max(scanInterval, lastDuration ?? 0), 30)
    }

    /// The verdict at `now`: the wall clock, not the snapshot's time, so a scan loop that stopped updating
    /// its snapshot turns unhealthy too.
    public func evaluate(_ snapshot: StatusSnapshot, now: Date = Date()) -> HealthReport {
        let bridge = snapshot.bridge
        let allowed = allowance(lastDuration: bridge.lastScanDuration)
        var problems: [String] = []
        let scan: String
        if let success = bridge.lastSuccessfulScanAt {
            let age = max(0, now.timeIntervalSince(success))
            if age <= allowed {
                scan = "ok: last successful scan \(TimeText.duration(age)) ago"
            } else {
                scan =
                    "no successful scan for \(TimeText.duration(age)) (allowed: \(TimeText.duration(allowed)))"
                    + Self.why(bridge)
                problems.append(scan)
            }
        } else {
            let age = max(0, now.timeIntervalSince(bridge.startedAt))
            if age <= allowed {
                scan = "starting: no scan has finished yet"
            } else {
                scan = "no successful scan since the start \(TimeText.duration(age)) ago" + Self.why(bridge)
                problems.append(scan)
            }
        }
        let broker = bridge.brokerConnected ? "connected" : "disconnected"
        if !bridge.brokerConnected { problems.append("the MQTT broker is not connected") }
        return HealthReport(healthy: problems.isEmpty, scan: scan, broker: broker, problems: problems)
    }

    private static func why(_ bridge: BridgeHealth) -> String {
        var why: [String] = []
        if bridge.consecutiveFailures > 0 { why.append("\(bridge.consecutiveFailures) failed scans in a row") }
        if bridge.consecutiveOutages > 0 { why.append("\(bridge.consecutiveOutages) scans in a row found nobody") }
        if let error = bridge.lastError { why.append("last error: \(error.prefix(300))") }
        return why.isEmpty ? "" : "; " + why.joined(separator: "; ")
    }
}

/// The verdict of a ``HealthCheck``: the status code and the JSON body of `/healthz`.
public struct HealthReport: Sendable, Equatable {
    public var healthy: Bool
    /// The scan check, in words.
    public var scan: String
    /// `connected` or `disconnected`.
    public var broker: String
    /// What is wrong; empty when healthy.
    public var problems: [String]

    public init(healthy: Bool, scan: String, broker: String, problems: [String]) {
        self.healthy = healthy
        self.scan = scan
        self.broker = broker
        self.problems = problems
    }

    /// 200 or 503.
    public var statusCode: Int { healthy ? 200 : 503 }

    /// `{"broker":"connected","problems":[],"scan":"ok: ...","status":"ok"}` (`status`: `ok` or `unhealthy`).
    public func json() -> [UInt8] {
        struct Body: Encodable {
            let status: String
            let scan: String
            let broker: String
            let problems: [String]
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let body = Body(status: healthy ? "ok" : "unhealthy", scan: scan, broker: broker, problems: problems)
        return Array((try? encoder.encode(body)) ?? Data("{\"status\":\"unhealthy\"}".utf8)) + [0x0A]
    }
}
