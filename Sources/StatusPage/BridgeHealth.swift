#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The bridge's own health, as `bridge/info` tells it, plus what only the process knows (the publish queue).
public struct BridgeHealth: Sendable, Equatable {
    /// The nmap2mqtt version string (`BridgeVersion`), shown in the page footer and as `nmap2mqtt_build_info`.
    public var version: String
    /// When the daemon started; `/healthz` gives the first scans this long to succeed before it reports 503.
    public var startedAt: Date
    /// When the last scan (finished or not) started; nil before the first.
    public var lastScanStart: Date?
    /// How long the last finished scan took, in seconds; nil before the first has finished.
    public var lastScanDuration: Double?
    /// How the last finished scan ended; nil before the first has finished.
    public var lastScanResult: ScanResult?
    /// When the last scan that ended ``ScanResult/ok`` finished; `/healthz` measures "recently" from it.
    public var lastSuccessfulScanAt: Date?
    /// Failed scans in a row (nmap failed, hung or wrote garbage); 0 after a scan that worked.
    public var consecutiveFailures: Int
    /// Scans in a row in which nothing answered (a switch restarting); 0 after one in which something did.
    public var consecutiveOutages: Int
    /// The last error, as `bridge/info` carries it; nil when the last scan worked. Shown escaped.
    public var lastError: String?
    /// Whether the MQTT client is connected to the broker now.
    public var brokerConnected: Bool
    /// Messages waiting to be published (the daemon's outgoing queue), 0 when all went out.
    public var publishQueueDepth: Int

    public init(
        version: String,
        startedAt: Date,
        lastScanStart: Date? = nil,
        lastScanDuration: Double? = nil,
        lastScanResult: ScanResult? = nil,
        lastSuccessfulScanAt: Date? = nil,
        consecutiveFailures: Int = 0,
        consecutiveOutages: Int = 0,
        lastError: String? = nil,
        brokerConnected: Bool,
        publishQueueDepth: Int = 0
    ) {
        self.version = version
        self.startedAt = startedAt
        self.lastScanStart = lastScanStart
        self.lastScanDuration = lastScanDuration
        self.lastScanResult = lastScanResult
        self.lastSuccessfulScanAt = lastSuccessfulScanAt
        self.consecutiveFailures = consecutiveFailures
        self.consecutiveOutages = consecutiveOutages
        self.lastError = lastError
        self.brokerConnected = brokerConnected
        self.publishQueueDepth = publishQueueDepth
    }
}
