import Foundation
import NetworkAddresses

@testable import Presence

/// Hosts as a scanner would report them (MACs upper-case, as nmap writes them).
enum Fixtures {
    static let phone = Sighting(
        mac: "3C:22:FB:12:34:56", ip: "192.0.2.12", hostName: "annas-phone.lan", vendor: "Apple",
        reason: "arp-response")
    static let laptop = Sighting(
        mac: "F4:5C:89:AB:CD:EF", ip: "192.0.2.20", hostName: nil, vendor: "Apple", reason: "arp-response")
    static let printer = Sighting(
        mac: "00:1B:A9:01:02:03", ip: "192.0.2.30", hostName: "printer.lan", vendor: "Brother",
        reason: "arp-response")
    static let stranger = Sighting(
        mac: "DA:A1:19:00:00:01", ip: "192.0.2.12", hostName: nil, vendor: nil, reason: "arp-response",
        randomizedMAC: true)
    static let vpnPeer = Sighting(mac: nil, ip: "198.18.0.5", hostName: nil, vendor: nil, reason: "syn-ack")

    static let phoneID = "3c22fb123456"
    static let laptopID = "f45c89abcdef"
    static let printerID = "001ba9010203"

    /// A stored device as the state file would give it back.
    static func stored(
        _ sighting: Sighting, state: PresenceState, lastSeen: Date, firstSeen: Date? = nil
    ) -> Device {
        let mac = MACAddress.normalized(sighting.mac!)!
        return Device(
            id: MACAddress.deviceID(forMAC: mac), mac: mac, ip: sighting.ip, hostName: sighting.hostName,
            vendor: sighting.vendor, name: "stored name", state: state, firstSeen: firstSeen ?? lastSeen,
            lastSeen: lastSeen, randomizedMAC: sighting.randomizedMAC, keyedByIP: false, deleted: false,
            reason: sighting.reason)
    }
}
