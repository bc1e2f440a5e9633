import Foundation
import TestSupport
import Testing

/// What a subscriber (Home Assistant's recorder, a dashboard) receives once every device is known: a
/// scan that only confirms them publishes nothing for them; `bridge/info` stays the heartbeat.
@Suite("Quiet output on the test LAN", .enabled(if: TestLAN.shouldRun, "\(TestLAN.unavailableReason ?? "")"))
struct QuietOutputTests {
    @Test("steady state: per-device topics and the devices list stay silent, events are numbered and never repeated")
    func steadyState() async throws {
        try await withBridge(lab: true, config: .home(interval: 1, considerHome: 30)) { scene in
            let lab = try #require(scene.lab)
            try await scene.watcher.waitForAll(scene.ids, within: .seconds(40))
            // Two more complete scans, so every first announcement is surely out.
            var settled = Date()
            for _ in 0..<2 {
                try await scene.watcher.waitForInfo("a counted scan", within: .seconds(20), since: settled) { $0.lastScanResult == .ok }
                settled = Date()
            }
            try await Task.sleep(for: .seconds(12))
            let infos = scene.watcher.log.on("nmap2mqtt/bridge/info", since: settled).count
            #expect(infos >= 5, "bridge/info is the heartbeat: \(infos) in 12 s at 1 s intervals")
            let perDevice = scene.watcher.log.all.filter { entry in
                entry.at >= settled && scene.ids.contains { entry.message.topic.contains($0) }
            }
            #expect(perDevice.isEmpty, "per-device messages in steady state: \(perDevice.map(\.message.topic))")
            #expect(scene.watcher.log.on("nmap2mqtt/devices", since: settled).isEmpty, "devices list in steady state")

            // One device leaves and comes back: one departure, one arrival, numbered after the arrivals.
            let phone = lab.host(3)
            let phoneID = phone.deviceID
            let left = Date()
            try await lab.leave(phone.index)
            _ = try await scene.watcher.log.waitFor("nmap2mqtt/\(phoneID)/state", within: .seconds(90), since: left, "not_home") { $0 == "not_home" }
            let back = Date()
            try await lab.join(phone.index)
            _ = try await scene.watcher.log.waitFor("nmap2mqtt/\(phoneID)/state", within: .seconds(30), since: back, "home") { $0 == "home" }
            try await scene.watcher.waitForInfo("a counted scan after the return", within: .seconds(20), since: Date()) { $0.lastScanResult == .ok }
            let events = try scene.watcher.events()
            #expect(events.map(\.seq) == Array(1...UInt64(events.count)), "seq counts 1, 2, 3, ... without gaps: \(events.map(\.seq))")
            #expect(events.filter { $0.device.id == phoneID }.map(\.event) == [.arrived, .departed, .arrived])
            #expect(events.count == scene.ids.count + 2)
            #expect(scene.watcher.log.on("nmap2mqtt/events").allSatisfy { !$0.message.retain }, "events are not retained")
            let phoneAttributes = scene.watcher.log.on("nmap2mqtt/\(phoneID)/attributes", since: settled).count
            #expect(phoneAttributes == 2, "the phone's attributes went out for its departure and its return only: \(phoneAttributes)")
        }
    }
}
