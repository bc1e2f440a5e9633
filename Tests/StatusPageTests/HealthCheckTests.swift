import Foundation
import Testing

@testable import StatusPage

@Suite struct HealthCheckTests {
    let now = StatusFixtures.at(24)
    let check = HealthCheck(scanInterval: .seconds(12))

    func snapshot(_ change: (inout BridgeHealth) -> Void) -> StatusSnapshot {
        var bridge = StatusFixtures.bridge(at: now)
        change(&bridge)
        return StatusSnapshot(generatedAt: now, bridge: bridge, devices: [])
    }

    @Test func healthyWhileScansSucceedAndTheBrokerIsConnected() {
        let report = check.evaluate(snapshot { _ in }, now: now)
        #expect(report.healthy && report.statusCode == 200)
        #expect(report.scan == "ok: last successful scan 2 s ago")
        let json = String(decoding: report.json(), as: UTF8.self)
        #expect(json == "{\"broker\":\"connected\",\"problems\":[],\"scan\":\"ok: last successful scan 2 s ago\",\"status\":\"ok\"}\n")
    }

    @Test func unhealthyWhenScansStopSucceeding() {
        let stale = snapshot {
            $0.lastSuccessfulScanAt = now.addingTimeInterval(-60)
            $0.consecutiveFailures = 4
            $0.lastError = "nmap: \"quoted\" failure"
        }
        let report = check.evaluate(stale, now: now)
        #expect(!report.healthy && report.statusCode == 503)
        #expect(
            report.problems == [
                "no successful scan for 1 min (allowed: 36 s); 4 failed scans in a row; last error: nmap: \"quoted\" failure"
            ])
        let json = String(decoding: report.json(), as: UTF8.self)
        #expect(json.contains("\"status\":\"unhealthy\""))
        #expect(json.contains("\\\"quoted\\\""))
    }

    @Test func aSnapshotThatStoppedUpdatingTurnsUnhealthy() {
        // The wall clock, not the snapshot's own time, decides: a stuck scan loop fails the check.
        #expect(!check.evaluate(snapshot { _ in }, now: now.addingTimeInterval(120)).healthy)
    }

    @Test func slowScansGetMoreTime() {
        let slow = snapshot {
            $0.lastScanDuration = 40
            $0.lastSuccessfulScanAt = now.addingTimeInterval(-100)
        }
        #expect(check.evaluate(slow, now: now).healthy)
    }

    @Test func aFreshDaemonGetsTimeForItsFirstScan() {
        let starting = snapshot {
            $0.startedAt = now.addingTimeInterval(-5)
            $0.lastScanResult = nil
            $0.lastSuccessfulScanAt = nil
        }
        #expect(check.evaluate(starting, now: now).scan == "starting: no scan has finished yet")
        #expect(check.evaluate(starting, now: now).healthy)
        #expect(!check.evaluate(starting, now: now.addingTimeInterval(60)).healthy)
    }

    @Test func aDisconnectedBrokerIsUnhealthy() {
        let report = check.evaluate(snapshot { $0.brokerConnected = false }, now: now)
        #expect(!report.healthy)
        #expect(report.broker == "disconnected")
        #expect(report.problems == ["the MQTT broker is not connected"])
    }
}
