import Foundation

@testable import StatusPage

/// Fixed moments and snapshots for the unit tests.
enum StatusFixtures {
    /// 2025-12-03 12:00:00 UTC.
    static let noon = Date(timeIntervalSince1970: 1_764_763_200)

    static func at(_ hours: Double, from base: Date = noon) -> Date {
        base.addingTimeInterval(hours * 3600)
    }

    /// Names a hostile network could hand the bridge (DHCP host names, vendors, reasons).
    static let hostileStrings = [
        "<script>alert(1)</script>",
        "\"><img src=x onerror=alert(1)>",
        "' onmouseover='alert(1)",
        "bell\u{07}nul\u{00}esc\u{1B}[31m del\u{7F} c1\u{85}",
        "right-to-left \u{202E}gpj.exe",
        String(repeating: "W", count: 5000),
        "</title></svg><script>x</script>",
        "&amp; &lt;already&gt;",
        "e" + String(repeating: "\u{301}", count: 3000),
    ]

    static func bridge(at now: Date, connected: Bool = true) -> BridgeHealth {
        BridgeHealth(
            version: "1.4.0", startedAt: now.addingTimeInterval(-30 * 3600), lastScanStart: now.addingTimeInterval(-4),
            lastScanDuration: 2.41, lastScanResult: .ok, lastSuccessfulScanAt: now.addingTimeInterval(-2),
            brokerConnected: connected, publishQueueDepth: 0)
    }

    /// A household over the last day, the way the daemon would record it: the bridge was down from 02:00
    /// to 05:00; Bob's laptop left at 10:00.
    static func household(now: Date) -> (history: PresenceHistory, devices: [DeviceStatus], departures: [Departure]) {
        var history = PresenceHistory()
        let alice = "AA:BB:CC:00:00:01"
        let bob = "AA:BB:CC:00:00:02"
        let tv = "AA:BB:CC:00:00:03"
        let day = now.addingTimeInterval(-26 * 3600)
        history.recordStart(at: day, states: [alice: .home, tv: .home, bob: .home])
        history.record(alice, .notHome, at: now.addingTimeInterval(-20 * 3600))
        history.record(alice, .home, at: now.addingTimeInterval(-17 * 3600))
        history.markAlive(at: now.addingTimeInterval(-12 * 3600))
        history.recordStop(at: now.addingTimeInterval(-11 * 3600))
        history.recordStart(at: now.addingTimeInterval(-8 * 3600), states: [alice: .home, tv: .home, bob: .home])
        history.record(bob, .notHome, at: now.addingTimeInterval(-2 * 3600))
        history.markAlive(at: now)
        let devices = [
            DeviceStatus(
                id: alice, name: "Alice's phone", state: .home, since: now.addingTimeInterval(-17 * 3600),
                lastSeen: now.addingTimeInterval(-14), ip: "192.0.2.21", mac: alice, vendor: "Apple",
                hostName: "alices-iphone", lastSource: "scan", reason: "answered the scan"),
            DeviceStatus(
                id: bob, name: "Bob's laptop", state: .notHome, since: now.addingTimeInterval(-2 * 3600),
                lastSeen: now.addingTimeInterval(-2 * 3600 - 180), ip: "192.0.2.34", mac: bob, vendor: "Lenovo",
                hostName: "bob-thinkpad", lastSource: "re-probe",
                reason: "not seen since 09:57; re-probe of 192.0.2.34 got no answer while 4 hosts did"),
            DeviceStatus(
                id: tv, name: "Living room TV", state: .home, since: now.addingTimeInterval(-8 * 3600),
                lastSeen: now.addingTimeInterval(-3), ip: "192.0.2.50", mac: tv, vendor: nil,
                hostName: nil, lastSource: "passive", reason: "sent a DHCP request"),
        ]
        let departures = [
            Departure(
                id: bob, name: "Bob's laptop", at: now.addingTimeInterval(-2 * 3600),
                reason: "not seen since 09:57; re-probe of 192.0.2.34 got no answer while 4 hosts did"),
            Departure(
                id: alice, name: "Alice's phone", at: now.addingTimeInterval(-20 * 3600),
                reason: "not seen since 15:57; re-probe of 192.0.2.21 got no answer while 3 hosts did"),
        ]
        return (history, devices, departures)
    }

    static func snapshot(now: Date, connected: Bool = true) -> StatusSnapshot {
        let (history, devices, departures) = household(now: now)
        return StatusSnapshot(
            generatedAt: now, bridge: bridge(at: now, connected: connected), devices: devices,
            timeline: history.timeline(for: devices.map(\.id), now: now), recentDepartures: departures)
    }

    /// A snapshot whose every network string is hostile.
    static func hostileSnapshot(now: Date) -> StatusSnapshot {
        var devices: [DeviceStatus] = []
        var timeline: [String: [TimelineSpan]] = [:]
        for (index, text) in hostileStrings.enumerated() {
            let id = "02:00:00:00:00:\(index < 10 ? "0" : "")\(index)"
            devices.append(
                DeviceStatus(
                    id: id, name: text, state: index % 2 == 0 ? .home : .notHome, since: now.addingTimeInterval(-600),
                    lastSeen: now.addingTimeInterval(-60), ip: text, mac: text, vendor: text, hostName: text,
                    lastSource: text, reason: text))
            timeline[id] = [TimelineSpan(from: now.addingTimeInterval(-86400), to: now, state: .home)]
        }
        var bridge = bridge(at: now)
        bridge.lastError = hostileStrings[0]
        bridge.version = hostileStrings[1]
        return StatusSnapshot(
            generatedAt: now, bridge: bridge, devices: devices, timeline: timeline,
            recentDepartures: hostileStrings.map { Departure(id: "x", name: $0, at: now, reason: $0) })
    }
}

/// A source that always returns the same snapshot, counting the calls.
final class FixedSource: StatusSource {
    let board: StatusBoard

    init(_ snapshot: StatusSnapshot) {
        board = StatusBoard(snapshot)
    }

    func snapshot() -> StatusSnapshot { board.snapshot() }
}
