import Foundation
import NetworkAddresses
import Testing

@testable import Presence

@Suite("Device JSON and MAC spelling")
struct DeviceTests {
    @Test("Device JSON uses snake_case keys and ISO 8601 dates whatever the encoder's date strategy")
    func json() throws {
        let device = StateStoreTests.devices[0]
        let data = try JSONEncoder().encode(device)
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(
            Set(object.keys) == [
                "id", "mac", "ip", "host_name", "vendor", "name", "state", "first_seen", "last_seen",
                "randomized_mac", "keyed_by_ip", "deleted", "reason",
            ])
        #expect(object["last_seen"] as? String == "2026-11-26T15:00:00.250Z")
        #expect(object["state"] as? String == "home")
        #expect(try JSONDecoder().decode(Device.self, from: data) == device)

        let peer = try JSONEncoder().encode(StateStoreTests.devices[1])
        let peerObject = try #require(try JSONSerialization.jsonObject(with: peer) as? [String: Any])
        #expect(peerObject["mac"] is NSNull && peerObject["state"] as? String == "not_home")
    }

    @Test("Decoding normalizes the MAC, derives the id and accepts whole-second dates")
    func lenientDecoding() throws {
        let text =
            #"{"mac": "3C-22-FB-12-34-56", "ip": "192.0.2.12", "name": "Anna", "state": "home", "first_seen": "2026-11-26T15:00:00Z", "last_seen": "2026-11-26T15:00:00Z"}"#
        let device = try JSONDecoder().decode(Device.self, from: Data(text.utf8))
        #expect(device.id == "3c22fb123456" && device.mac == "3c:22:fb:12:34:56")
        #expect(device.lastSeen == FakeClock.start && !device.deleted && !device.keyedByIP)
        let noMAC = #"{"ip": "192.0.2.12", "name": "x", "state": "home", "first_seen": "2026-11-26T15:00:00Z", "last_seen": "2026-11-26T15:00:00Z"}"#
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(Device.self, from: Data(noMAC.utf8)) }
    }

    @Test(
        "MAC spellings",
        arguments: [
            ("AA:BB:CC:DD:EE:FF", "aa:bb:cc:dd:ee:ff"), ("aa-bb-cc-dd-ee-ff", "aa:bb:cc:dd:ee:ff"),
            ("aabb.ccdd.eeff", "aa:bb:cc:dd:ee:ff"), ("AABBCCDDEEFF", "aa:bb:cc:dd:ee:ff"),
            ("aa:bb:cc:dd:ee", nil), ("aa:bb:cc:dd:ee:ff:00", nil), ("gg:bb:cc:dd:ee:ff", nil), ("", nil),
        ] as [(String, String?)])
    func macSpellings(text: String, expected: String?) {
        #expect(MACAddress.normalized(text) == expected)
    }

    @Test("Device ids are what discovery topics allow")
    func ids() {
        #expect(MACAddress.deviceID(forMAC: "aa:bb:cc:dd:ee:ff") == "aabbccddeeff")
        #expect(MACAddress.deviceID(forIP: "192.0.2.5") == "ip_192_0_2_5")
        #expect(MACAddress.deviceID(forIP: "2001:db8::1") == "ip_2001_db8__1")
    }
}
