import CoreMetrics
import Prometheus
import Synchronization

/// The daemon's Prometheus metrics, for `/metrics`.
///
/// Everything is made through swift-metrics (`Counter`, `Timer`, `Gauge`) with a ``factory`` over the
/// ``registry`` passed in, never through the process-wide `MetricsSystem`: a process may bootstrap that only
/// once, so tests each make their own registry and never fight over it. The daemon may bootstrap
/// `MetricsSystem` with ``factory``, and metrics that libraries record through swift-metrics then appear on
/// `/metrics` too.
///
/// Events are recorded as they happen (``recordScan(result:duration:)``, ``recordArrival(source:)``,
/// ``recordDeparture(source:)``); gauges are set from a snapshot (``update(from:)``), which the server does
/// before each `/metrics` answer.
///
/// | metric | type | labels |
/// |---|---|---|
/// | `nmap2mqtt_scans_total` | counter | `result`: `ok`, `failed`, `outage` |
/// | `nmap2mqtt_scan_duration_seconds` | histogram | |
/// | `nmap2mqtt_arrivals_total`, `nmap2mqtt_departures_total` | counter | `source`: `scan`, `re-probe`, `passive` |
/// | `nmap2mqtt_devices` | gauge | `state`: `home`, `not_home` |
/// | `nmap2mqtt_device_home` | gauge, 1 or 0 | `id`, `name` |
/// | `nmap2mqtt_mqtt_connected` | gauge, 1 or 0 | |
/// | `nmap2mqtt_mqtt_publish_queue_depth` | gauge | |
/// | `nmap2mqtt_scan_consecutive_failures`, `nmap2mqtt_scan_consecutive_outages` | gauge | |
/// | `nmap2mqtt_last_scan_duration_seconds`, `nmap2mqtt_last_successful_scan_timestamp_seconds` | gauge | |
/// | `nmap2mqtt_build_info` | gauge, 1 | `version` |
public final class StatusMetrics: Sendable {
    /// Where the metrics live; ``exposition()`` renders it.
    public let registry: PrometheusCollectorRegistry
    /// A swift-metrics factory over ``registry``.
    public let factory: PrometheusMetricsFactory

    /// The sources arrivals and departures are counted by from the start (others are added when first seen).
    public static let knownSources = ["scan", "re-probe", "passive"]
    /// Past this many distinct sources, further ones count as `other`: a label never grows without bound.
    static let maximumSources = 16
    /// Scan duration buckets, in seconds: a /24 takes about 2 s, a /20 about 13 s, a hung scan up to 300 s.
    static let durationBuckets: [Duration] = [0.5, 1, 2, 3, 5, 8, 13, 20, 30, 60, 120, 300].map { .milliseconds(Int($0 * 1000)) }

    private let scans: [ScanResult: CoreMetrics.Counter]
    private let scanDuration: CoreMetrics.Timer
    private let devicesHome: CoreMetrics.Gauge
    private let devicesAway: CoreMetrics.Gauge
    private let brokerConnected: CoreMetrics.Gauge
    private let queueDepth: CoreMetrics.Gauge
    private let consecutiveFailures: CoreMetrics.Gauge
    private let consecutiveOutages: CoreMetrics.Gauge
    private let lastDuration: CoreMetrics.Gauge
    private let lastSuccess: CoreMetrics.Gauge
    private let state = Mutex(State())

    private struct State {
        var arrivals: [String: CoreMetrics.Counter] = [:]
        var departures: [String: CoreMetrics.Counter] = [:]
        /// Per device id: the name it is labelled with and its gauge.
        var deviceGauges: [String: (name: String, gauge: CoreMetrics.Gauge)] = [:]
        var buildInfo: (version: String, gauge: CoreMetrics.Gauge)?
    }

    public init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) {
        self.registry = registry
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.durationHistogramBuckets["nmap2mqtt_scan_duration_seconds"] = Self.durationBuckets
        self.factory = factory
        var scans: [ScanResult: CoreMetrics.Counter] = [:]
        for result in ScanResult.allCases {
            scans[result] = CoreMetrics.Counter(
                label: "nmap2mqtt_scans_total", dimensions: [("result", result.rawValue)], factory: factory)
        }
        self.scans = scans
        scanDuration = CoreMetrics.Timer(label: "nmap2mqtt_scan_duration_seconds", dimensions: [], factory: factory)
        devicesHome = CoreMetrics.Gauge(label: "nmap2mqtt_devices", dimensions: [("state", "home")], factory: factory)
        devicesAway = CoreMetrics.Gauge(label: "nmap2mqtt_devices", dimensions: [("state", "not_home")], factory: factory)
        brokerConnected = CoreMetrics.Gauge(label: "nmap2mqtt_mqtt_connected", dimensions: [], factory: factory)
        queueDepth = CoreMetrics.Gauge(label: "nmap2mqtt_mqtt_publish_queue_depth", dimensions: [], factory: factory)
        consecutiveFailures = CoreMetrics.Gauge(label: "nmap2mqtt_scan_consecutive_failures", dimensions: [], factory: factory)
        consecutiveOutages = CoreMetrics.Gauge(label: "nmap2mqtt_scan_consecutive_outages", dimensions: [], factory: factory)
        lastDuration = CoreMetrics.Gauge(label: "nmap2mqtt_last_scan_duration_seconds", dimensions: [], factory: factory)
        lastSuccess = CoreMetrics.Gauge(
            label: "nmap2mqtt_last_successful_scan_timestamp_seconds", dimensions: [], factory: factory)
        state.withLock { state in
            for source in Self.knownSources {
                state.arrivals[source] = CoreMetrics.Counter(
                    label: "nmap2mqtt_arrivals_total", dimensions: [("source", source)], factory: factory)
                state.departures[source] = CoreMetrics.Counter(
                    label: "nmap2mqtt_departures_total", dimensions: [("source", source)], factory: factory)
            }
        }
    }

    // MARK: - Events (the daemon calls these)

    /// One scan ended: counts it by result and records how long it took.
    public func recordScan(result: ScanResult, duration: Duration) {
        scans[result]?.increment()
        scanDuration.recordNanoseconds(Self.nanoseconds(duration))
    }

    /// A device arrived, first seen by `source` (`scan`, `re-probe`, `passive`).
    public func recordArrival(source: String) {
        counter(\.arrivals, label: "nmap2mqtt_arrivals_total", source: source).increment()
    }

    /// A device was decided away; `source` is what last saw it or decided it (`scan`, `re-probe`, `passive`).
    public func recordDeparture(source: String) {
        counter(\.departures, label: "nmap2mqtt_departures_total", source: source).increment()
    }

    // MARK: - Gauges from a snapshot

    /// Sets every gauge from `snapshot`; per-device gauges of devices no longer in it (or renamed) are removed.
    public func update(from snapshot: StatusSnapshot) {
        let home = snapshot.devices.count { $0.state == .home }
        devicesHome.record(home)
        devicesAway.record(snapshot.devices.count - home)
        let bridge = snapshot.bridge
        brokerConnected.record(bridge.brokerConnected ? 1 : 0)
        queueDepth.record(bridge.publishQueueDepth)
        consecutiveFailures.record(bridge.consecutiveFailures)
        consecutiveOutages.record(bridge.consecutiveOutages)
        if let duration = bridge.lastScanDuration { lastDuration.record(duration) }
        if let success = bridge.lastSuccessfulScanAt { lastSuccess.record(success.timeIntervalSince1970) }
        let factory = self.factory
        state.withLock { state in
            if state.buildInfo?.version != bridge.version {
                state.buildInfo?.gauge.destroy()
                let gauge = CoreMetrics.Gauge(
                    label: "nmap2mqtt_build_info", dimensions: [("version", bridge.version)], factory: factory)
                gauge.record(1)
                state.buildInfo = (bridge.version, gauge)
            }
            var seen = Set<String>()
            for device in snapshot.devices where seen.insert(device.id).inserted {
                let name = Self.labelValue(device.name)
                if let existing = state.deviceGauges[device.id], existing.name != name {
                    existing.gauge.destroy()
                    state.deviceGauges[device.id] = nil
                }
                let gauge =
                    state.deviceGauges[device.id]?.gauge
                    ?? CoreMetrics.Gauge(
                        label: "nmap2mqtt_device_home", dimensions: [("id", Self.labelValue(device.id)), ("name", name)],
                        factory: factory)
                state.deviceGauges[device.id] = (name, gauge)
                gauge.record(device.state == .home ? 1 : 0)
            }
            for (id, entry) in state.deviceGauges where !seen.contains(id) {
                entry.gauge.destroy()
                state.deviceGauges[id] = nil
            }
        }
    }

    /// The Prometheus text exposition of ``registry``.
    public func exposition() -> [UInt8] {
        registry.emitToBuffer()
    }

    // MARK: - Helpers

    private func counter(
        _ table: WritableKeyPath<State, [String: CoreMetrics.Counter]>, label: String,
        source: String
    ) -> CoreMetrics.Counter {
        let factory = self.factory
        return state.withLock { state in
            var source = Self.labelValue(source)
            if let counter = state[keyPath: table][source] { return counter }
            if state[keyPath: table].count >= Self.maximumSources { source = "other" }
            if let counter = state[keyPath: table][source] { return counter }
            let counter = CoreMetrics.Counter(label: label, dimensions: [("source", source)], factory: factory)
            state[keyPath: table][source] = counter
            return counter
        }
    }

    /// Label values are escaped by swift-prometheus; they are only cut short here, so a hostile 10 kB name
    /// cannot make every scrape 10 kB longer.
    static func labelValue(_ value: String) -> String {
        // Counted in scalars: one "character" can hold thousands of combining marks.
        guard value.unicodeScalars.count > 100 else { return value }
        var cut = String.UnicodeScalarView()
        cut.append(contentsOf: value.unicodeScalars.prefix(100))
        return String(cut) + "…"
    }

    private static func nanoseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}
