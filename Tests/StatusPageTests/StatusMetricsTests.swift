import Foundation
import Prometheus
import Testing

@testable import StatusPage

@Suite struct StatusMetricsTests {
    func text(_ metrics: StatusMetrics) -> String {
        String(decoding: metrics.exposition(), as: UTF8.self)
    }

    @Test func eventsAreCounted() {
        // Each test its own registry: MetricsSystem is never bootstrapped.
        let metrics = StatusMetrics(registry: PrometheusCollectorRegistry())
        metrics.recordScan(result: .ok, duration: .milliseconds(2400))
        metrics.recordScan(result: .ok, duration: .seconds(1))
        metrics.recordScan(result: .outage, duration: .seconds(9))
        metrics.recordArrival(source: "passive")
        metrics.recordDeparture(source: "re-probe")
        let output = text(metrics)
        for line in [
            "nmap2mqtt_scans_total{result=\"ok\"} 2", "nmap2mqtt_scans_total{result=\"outage\"} 1",
            "nmap2mqtt_scans_total{result=\"failed\"} 0",
            "nmap2mqtt_arrivals_total{source=\"passive\"} 1", "nmap2mqtt_arrivals_total{source=\"scan\"} 0",
            "nmap2mqtt_departures_total{source=\"re-probe\"} 1",
            "nmap2mqtt_scan_duration_seconds_count 3", "nmap2mqtt_scan_duration_seconds_bucket{le=\"2.0\"} 1",
            "nmap2mqtt_scan_duration_seconds_bucket{le=\"3.0\"} 2",
            "# TYPE nmap2mqtt_scan_duration_seconds histogram",
        ] {
            #expect(output.contains(line), "missing \(line) in\n\(output)")
        }
    }

    @Test func gaugesFollowTheSnapshot() {
        let metrics = StatusMetrics(registry: PrometheusCollectorRegistry())
        let now = StatusFixtures.at(24)
        var snapshot = StatusFixtures.snapshot(now: now)
        snapshot.bridge.publishQueueDepth = 7
        metrics.update(from: snapshot)
        var output = text(metrics)
        for line in [
            "nmap2mqtt_devices{state=\"home\"} 2", "nmap2mqtt_devices{state=\"not_home\"} 1",
            "nmap2mqtt_device_home{id=\"AA:BB:CC:00:00:02\",name=\"Bob's laptop\"} 0",
            "nmap2mqtt_device_home{id=\"AA:BB:CC:00:00:01\",name=\"Alice's phone\"} 1",
            "nmap2mqtt_mqtt_connected 1", "nmap2mqtt_mqtt_publish_queue_depth 7",
            "nmap2mqtt_build_info{version=\"1.4.0\"} 1", "nmap2mqtt_last_scan_duration_seconds 2.41",
            "nmap2mqtt_scan_consecutive_failures 0",
        ] {
            #expect(output.contains(line), "missing \(line) in\n\(output)")
        }
        // Bob is forgotten, Alice renamed, the broker drops: no stale series stay behind.
        snapshot.devices.removeAll { $0.name == "Bob's laptop" }
        snapshot.devices[0].name = "Alice"
        snapshot.bridge.brokerConnected = false
        metrics.update(from: snapshot)
        output = text(metrics)
        #expect(!output.contains("Bob's laptop"))
        #expect(!output.contains("Alice's phone"))
        #expect(output.contains("nmap2mqtt_device_home{id=\"AA:BB:CC:00:00:01\",name=\"Alice\"} 1"))
        #expect(output.contains("nmap2mqtt_mqtt_connected 0"))
    }

    @Test func hostileNamesCannotBreakTheFormat() {
        let metrics = StatusMetrics(registry: PrometheusCollectorRegistry())
        metrics.update(from: StatusFixtures.hostileSnapshot(now: StatusFixtures.noon))
        let output = text(metrics)
        for line in output.split(separator: "\n") where !line.hasPrefix("#") {
            // Every sample line is NAME{labels} VALUE, with quotes, backslashes and newlines escaped.
            #expect(line.hasPrefix("nmap2mqtt_"), "\(line.prefix(120))")
            #expect(line.utf8.count < 1200, "a label value is cut short")
        }
        #expect(output.contains("name=\"\\\"><img src=x onerror=alert(1)>\""))
    }

    @Test func sourcesAreBounded() {
        let metrics = StatusMetrics(registry: PrometheusCollectorRegistry())
        for index in 0..<100 { metrics.recordArrival(source: "source-\(index)") }
        let series = text(metrics).split(separator: "\n").filter { $0.hasPrefix("nmap2mqtt_arrivals_total{") }
        #expect(series.count == StatusMetrics.maximumSources + 1)
        #expect(series.contains { $0.contains("source=\"other\"") })
    }
}
