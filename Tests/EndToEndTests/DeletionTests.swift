import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// A device the user deletes in Home Assistant stays deleted, whenever the deletion happens: while the
/// bridge runs, while it is stopped, or while it is cut off from the broker. The stand-in nmap keeps
/// every device on the LAN the whole time, so the bridge would announce each again if it could.
@Suite("Deletions in Home Assistant, without races")
struct DeletionTests {
    static let ids = StandInNmap.fixtureIDs

    @Test("a device deleted in Home Assistant while the bridge was stopped is not announced again after the restart")
    func deletedWhileStopped() async throws {
        try await withBridge(config: BridgeConfig(considerHome: 30)) { scene in
            let (watcher, first) = (scene.watcher, scene.daemon)
            let deleted = Self.ids[1]
            try await watcher.waitForAll(Self.ids)
            first.process.signal(SIGTERM)
            #expect(await first.process.waitForExit(within: .seconds(5)) == 0)
            // Home Assistant deletes the device: it clears the retained discovery config.
            try await watcher.client.publish("homeassistant/device_tracker/\(deleted)/config", payload: [], qos: .atLeastOnce, retain: true)
            let restarted = Date()
            let second = try scene.startDaemon()
            try await watcher.waitForAll(Self.ids.filter { $0 != deleted }, since: restarted)
            _ = try await watcher.log.waitFor(
                "nmap2mqtt/\(deleted)/state", within: .seconds(10), since: restarted, "the deleted device's state cleared"
            ) { $0.isEmpty }
            try await Task.sleep(for: .seconds(2)) // a few more scans, each of which sees the device
            let announced = watcher.log.on("homeassistant/device_tracker/\(deleted)/config", since: restarted).filter { !$0.message.payload.isEmpty }
            #expect(announced.isEmpty, "the device deleted while the bridge was stopped was announced again")
            #expect(second.log.contains("deleted in Home Assistant while the bridge was away"))
        }
    }

    @Test("a device deleted in Home Assistant while the bridge was cut off from the broker stays deleted after the reconnect")
    func deletedWhileDisconnected() async throws {
        try await withBridge(proxy: true, config: BridgeConfig(considerHome: 30)) { scene in
            let (watcher, proxy) = (scene.watcher, scene.proxy)
            let deleted = Self.ids[2]
            try await watcher.waitForAll(Self.ids)
            proxy.refuseNewConnections(true)
            proxy.resetConnections()
            _ = try await watcher.log.waitFor("nmap2mqtt/bridge/state", within: .seconds(10), "the will: offline") { $0 == "offline" }
            try await watcher.client.publish("homeassistant/device_tracker/\(deleted)/config", payload: [], qos: .atLeastOnce, retain: true)
            let deletion = Date()
            proxy.refuseNewConnections(false)
            _ = try await watcher.log.waitFor("nmap2mqtt/bridge/state", within: .seconds(20), since: deletion, "online again") { $0 == "online" }
            _ = try await watcher.log.waitFor(
                "nmap2mqtt/\(deleted)/state", within: .seconds(10), since: deletion, "the deleted device's state cleared"
            ) { $0.isEmpty }
            try await Task.sleep(for: .seconds(2))
            let announced = watcher.log.on("homeassistant/device_tracker/\(deleted)/config", since: deletion).filter { !$0.message.payload.isEmpty }
            #expect(announced.isEmpty, "the device deleted while the bridge was disconnected was announced again")
            for id in Self.ids where id != deleted {
                #expect(watcher.log.latest("homeassistant/device_tracker/\(id)/config")?.isEmpty == false, "\(id) kept its config")
            }
        }
    }

    @Test("forget, then the next scan announces the device afresh: the bridge's own cleared config does not mark it deleted")
    func forgetThenRediscovered() async throws {
        try await withBridge(config: BridgeConfig(considerHome: 30)) { scene in
            let (watcher, daemon) = (scene.watcher, scene.daemon)
            let forgotten = Self.ids[3]

            try await watcher.waitForAll(Self.ids)
            for round in 1...3 {
                let asked = Date()
                try await watcher.client.publish("nmap2mqtt/bridge/request/forget", forgotten, qos: .atLeastOnce, retain: false)
                _ = try await watcher.log.waitFor(
                    "homeassistant/device_tracker/\(forgotten)/config", within: .seconds(10), since: asked, "cleared, round \(round)"
                ) { $0.isEmpty }
                _ = try await watcher.log.waitFor(
                    "homeassistant/device_tracker/\(forgotten)/config", within: .seconds(10), since: asked, "announced afresh, round \(round)"
                ) { !$0.isEmpty }
            }
            try await Task.sleep(for: .seconds(2))
            #expect(watcher.log.latest("homeassistant/device_tracker/\(forgotten)/config")?.isEmpty == false, "still announced")
            #expect(!daemon.log.contains("A device was deleted in Home Assistant"), "its own clear was taken for a deletion")
        }
    }
}
