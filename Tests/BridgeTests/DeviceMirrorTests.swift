import Foundation
import NetworkAddresses
import Presence
import Testing

@testable import Bridge

@Suite("What the broker hears: only what a user would notice")
struct DeviceMirrorTests {
    static let start = Date(timeIntervalSince1970: 1_796_000_000)

    static func device(_ n: Int, seen: Double = 0, ip: String? = nil, state: PresenceState = .home) -> Device {
        let mac = String(format: "02:00:00:00:00:%02x", n)
        return Device(
            id: MACAddress.deviceID(forMAC: mac), mac: mac, ip: ip ?? "192.0.2.\(n)", name: "Device \(n)", state: state,
            firstSeen: start, lastSeen: start.addingTimeInterval(seen), reason: "arp-response")
    }

    @Test("the first update shows everyone; a scan that only confirms them shows nobody")
    func steadyState() {
        var mirror = DeviceMirror(lastSeenRefresh: .seconds(900))
        let first = mirror.update([Self.device(1), Self.device(2)], at: 0)
        #expect(first.devices.map(\.id) == [Self.device(1).id, Self.device(2).id])
        #expect(first.list?.count == 2)
        for scan in 1...70 { // 14 minutes of 12 s scans
            let update = mirror.update([Self.device(1, seen: Double(scan) * 12), Self.device(2, seen: Double(scan) * 12)], at: Double(scan) * 12)
            #expect(update.isEmpty, "scan \(scan) published \(update)")
        }
    }

    @Test("last_seen alone is refreshed for everyone at once, once per refresh period")
    func refresh() {
        var mirror = DeviceMirror(lastSeenRefresh: .seconds(900))
        _ = mirror.update([Self.device(1), Self.device(2)], at: 0)
        var refreshes: [Double] = []
        for scan in 1...300 { // one hour at 12 s
            let now = Double(scan) * 12
            let update = mirror.update([Self.device(1, seen: now), Self.device(2, seen: now)], at: now)
            if !update.isEmpty {
                #expect(update.devices.count == 2 && update.list?.count == 2)
                #expect(update.devices.allSatisfy { $0.lastSeen == Self.start.addingTimeInterval(now) })
                refreshes.append(now)
            }
        }
        #expect(refreshes == [900, 1800, 2700, 3600].map { (($0 / 12).rounded(.up)) * 12 })
    }

    @Test("refresh 0: last_seen moves only with another change")
    func noRefresh() {
        var mirror = DeviceMirror(lastSeenRefresh: .zero)
        _ = mirror.update([Self.device(1)], at: 0)
        #expect(mirror.update([Self.device(1, seen: 86_400)], at: 86_400).isEmpty)
        let moved = mirror.update([Self.device(1, seen: 86_412, ip: "192.0.2.99")], at: 86_412)
        #expect(moved.devices.map(\.ip) == ["192.0.2.99"])
        #expect(moved.devices.first?.lastSeen == Self.start.addingTimeInterval(86_412), "shown with its current last_seen")
    }

    @Test("a change shows that device alone, and the list with the others as last shown")
    func oneChange() {
        var mirror = DeviceMirror(lastSeenRefresh: .seconds(900))
        _ = mirror.update([Self.device(1), Self.device(2)], at: 0)
        let update = mirror.update([Self.device(1, seen: 60, state: .notHome), Self.device(2, seen: 60)], at: 60)
        #expect(update.devices.map(\.state) == [.notHome])
        #expect(update.list?.map(\.lastSeen) == [Self.start.addingTimeInterval(60), Self.start], "device 2 keeps its shown last_seen")
    }

    @Test("removed and deleted devices leave the list; a forgotten one comes back as new")
    func membership() {
        var mirror = DeviceMirror(lastSeenRefresh: .seconds(900))
        _ = mirror.update([Self.device(1), Self.device(2)], at: 0)
        var deleted = Self.device(2)
        deleted.deleted = true
        let update = mirror.update([Self.device(1), deleted], at: 12)
        #expect(update.devices.isEmpty && update.list?.map(\.id) == [Self.device(1).id])
        mirror.remove(Self.device(1).id)
        #expect(mirror.update([Self.device(1)], at: 24).devices.count == 1, "shown again in full")
    }
}
