import Foundation
import NetworkAddresses

extension PresenceEngine {
    /// A device heard between scans by a passive source: an ARP or DHCP frame from its MAC. A sighting,
    /// never a departure; departures stay the job of scans and re-probes.
    ///
    /// - A tracked device is seen now: its grace starts again and a pending departure is off. One that was
    ///   `not_home` arrives at once, with the frame's kind as its reason. An address in the frame updates
    ///   its IP; a host name (DHCP option 12) its host name, and so its derived name.
    /// - A known device stays in its target. A MAC the engine does not know joins the target
    ///   `targetOfAddress` names for its address, and arrives under the same rules as in a scan (`exclude_macs`,
    ///   `track_new_devices`, `devices[].track`), when `newAllowed`: the caller checked that its address is
    ///   inside `scan.hosts` and outside `exclude`. Without an address it waits for a scan.
    ///
    /// `sighting.ip` is empty when the frame did not say (an ARP probe from 0.0.0.0, a DHCPDISCOVER).
    /// Returns the changes (an arrival, or an update of a home device), as `apply` does.
    public mutating func heard(_ sighting: Sighting, newAllowed: Bool, at now: Moment) -> [PresenceChange] {
        guard let mac = sighting.mac.flatMap(MACAddress.normalized), isTracked(mac: mac) else { return [] }
        let id = MACAddress.deviceID(forMAC: mac)
        guard var record = records[id] else {
            guard newAllowed, !sighting.ip.isEmpty else { return [] }
            let hostName = sighting.hostName.flatMap { $0.isEmpty ? nil : $0 }
            let vendor = sighting.vendor.flatMap { $0.isEmpty ? nil : $0 }
            let device = Device(
                id: id, mac: mac, ip: sighting.ip, hostName: hostName, vendor: vendor,
                name: name(mac: mac, ip: sighting.ip, hostName: hostName, vendor: vendor),
                state: .home, firstSeen: now.wall, lastSeen: now.wall, randomizedMAC: sighting.randomizedMAC,
                keyedByIP: false, deleted: false, reason: sighting.reason)
            let target = target(ofAddress: sighting.ip)
            records[id] = Record(device: device, considerHome: considerHome(for: mac, target: target), target: target, seenAt: now.elapsed)
            return [.arrived(device)]
        }
        var known = sighting
        if known.ip.isEmpty { known.ip = record.device.ip }
        if known.vendor == nil { known.vendor = record.device.vendor }
        let (wasHome, changed) = Self.see(&record, known, at: now)
        if changed.contains(.hostName) || changed.contains(.vendor) {
            record.device.name = name(mac: mac, ip: record.device.ip, hostName: record.device.hostName, vendor: record.device.vendor)
        }
        records[id] = record
        guard !record.device.deleted, !wasHome || !changed.isEmpty else { return [] }
        return [wasHome ? .updated(record.device, changed: changed) : .arrived(record.device)]
    }
}
