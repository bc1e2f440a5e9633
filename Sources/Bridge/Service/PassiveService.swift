import Logging
import NetworkAddresses
import NmapScanner
import PassiveListener
import Presence
import ServiceLifecycle
import Synchronization

/// Hears devices between scans (``PassiveListener``: ARP and DHCP frames, or without CAP_NET_RAW the
/// kernel's neighbour table) and hands each sighting to the engine (`PresenceEngine.heard`): a tracked
/// device is seen at once, a `not_home` one arrives at once. A frame never departs anyone.
///
/// A MAC the bridge does not know may arrive only with an address a scan could have found (inside the
/// hosts of some target and outside that target's `exclude`), and at most a few such arrivals a minute: a storm of forged
/// frames from random MACs cannot grow the device list faster than that (scans confirm the rest).
///
/// Off with `scan.listen: false`. When no source can be opened the bridge runs on with scans alone,
/// and says so.
final class PassiveService: Service, Sendable {
    private let state: BridgeState
    private let logger: Logger
    /// One per scan target: an address is in range when some target's scan could find it.
    private let matchers: [AddressMatcher]
    private let vendor: @Sendable (String) -> String?
    private let open: @Sendable () throws -> PassiveListener
    /// When new MACs arrived passively in the current minute (monotonic seconds), for the cap.
    private let newArrivals = Mutex<[Double]>([])

    /// New devices heard per minute, at most; beyond that, scans confirm them.
    static let newDevicesPerMinute = 10

    init(
        state: BridgeState, logger: Logger, vendor: @escaping @Sendable (String) -> String?,
        open: @escaping @Sendable () throws -> PassiveListener
    ) {
        self.state = state
        self.logger = logger
        self.vendor = vendor
        self.open = open
        matchers = state.configuration.scan.effectiveTargets.map { AddressMatcher(targets: $0.hosts, exclude: $0.exclude) }
    }

    func run() async {
        let listener: PassiveListener
        do {
            listener = try open()
        } catch {
            logger.warning("Cannot hear devices between scans; arrivals wait for the next scan", metadata: ["passive.error": "\(error)"])
            try? await gracefulShutdown()
            return
        }
        await cancelWhenGracefulShutdown {
            for await sighting in listener.sightings {
                self.hear(sighting)
            }
        }
        listener.stop()
    }

    func hear(_ frame: PassiveSighting) {
        let mac = frame.mac.description
        let address = frame.address.map(\.description) ?? ""
        let sighting = Sighting(
            mac: mac, ip: address, hostName: frame.hostName, vendor: vendor(mac), reason: frame.kind.rawValue,
            randomizedMAC: frame.mac.isLocallyAdministered)
        let now = state.moment()
        let inRange = !address.isEmpty && matchers.contains { $0.contains(address) }
        // Only a change is published (and only then the devices are compared): frames come often.
        state.step(source: "passive", onlyChanges: true) { status in
            let id = MACAddress.deviceID(forMAC: mac)
            let known = status.engine.device(id) != nil
            if known { status.lastSource[id] = "passive" }
            let allowed = inRange && (known || admitNew(at: now.elapsed))
            return status.engine.heard(sighting, newAllowed: allowed, at: now)
        }
        logger.trace(
            "Heard between scans",
            metadata: [
                "passive.kind": "\(frame.kind.rawValue)", "scan.host.mac": "\(mac)",
                "scan.host.ip": "\(address)",
            ])
    }

    /// Whether one more MAC may arrive passively this minute.
    private func admitNew(at now: Double) -> Bool {
        newArrivals.withLock { times in
            times.removeAll { now - $0 >= 60 }
            guard times.count < Self.newDevicesPerMinute else { return false }
            times.append(now)
            return true
        }
    }
}
