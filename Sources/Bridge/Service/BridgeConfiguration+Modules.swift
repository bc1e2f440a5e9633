import Logging
import Mosquitto
import NmapScanner
import Presence

/// How the bridge's configuration becomes the configurations of the modules it joins.
extension BridgeConfiguration {
    public var topics: Topics {
        Topics(base: mqtt.baseTopic, discoveryPrefix: homeAssistant.discoveryPrefix, homeAssistantStatus: homeAssistant.statusTopic)
    }

    /// The node's connection; its will says the node died, so the devices only it sees become unavailable
    /// at once and the next node takes over (docs/HOUSEHOLD.md).
    public var mqttConfiguration: MQTTConfiguration {
        var connection = mqtt.connection
        connection.will = MQTTWill(topic: topics.nodeState(nodeID), payload: "offline".utf8, qos: .atLeastOnce, retain: true)
        return connection
    }

    /// The leader's second connection (``LeaderSeat``): it publishes nothing, and its will says
    /// `bridge/state` `offline` when the leader dies, so the last node's death still reads as the bridge's.
    public var leaderSeatConfiguration: MQTTConfiguration {
        var connection = mqtt.connection
        connection.clientID += "-lead"
        connection.will = MQTTWill(topic: topics.bridgeState, payload: "offline".utf8, qos: .atLeastOnce, retain: true)
        return connection
    }

    /// The state file and what it holds; an unreadable file is an error that names `state_file`.
    func loadState(logger: Logger) throws(BridgeError) -> (StateStore, StateStore.Saved) {
        let store = StateStore(path: stateFile, logger: logger)
        do {
            return (store, try store.loadState())
        } catch {
            throw BridgeError("state_file: \(error)")
        }
    }

    /// The nmap settings of the first target (`scan.hosts`, or the first of `scan.targets`).
    public var scannerConfiguration: ScannerConfiguration {
        scannerConfigurations[0]
    }

    /// One nmap configuration per target: its hosts, excludes, scan options and timeout.
    public var scannerConfigurations: [ScannerConfiguration] {
        scan.effectiveTargets.map { target in
            ScannerConfiguration(
                targets: target.hosts, exclude: target.exclude, scanOptions: target.scanOptions, nmapPath: scan.nmapPath,
                timeout: target.timeout)
        }
    }

    /// Which target's scans cover an address (the first that does), for devices no scan has placed yet.
    var targetOfAddress: @Sendable (String) -> Int? {
        let matchers = scan.effectiveTargets.map { AddressMatcher(targets: $0.hosts, exclude: $0.exclude) }
        return { address in matchers.firstIndex { $0.contains(address) } }
    }

    /// How early a re-probe starts before a grace runs out. The re-probe of an address that stays
    /// silent takes about 6.3 s on the test LAN (a wake-up, three ping rounds 0.7 s apart; a single
    /// `-sn` took 1.5 s), so it starts 6 s early and a departure is published no later than before;
    /// the engine still departs nobody before the grace is over.
    static let reprobeLead: Duration = .seconds(6)

    public var presenceConfiguration: PresenceConfiguration {
        var settings: [String: DeviceSettings] = [:]
        for entry in devices {
            settings[entry.mac] = DeviceSettings(name: entry.name, considerHome: entry.considerHome, track: entry.track)
        }
        return PresenceConfiguration(
            considerHome: scan.considerHome, homeInterval: scan.homeInterval, excludeMACs: Set(scan.excludeMACs),
            trackNewDevices: trackNewDevices, trackWithoutMAC: trackWithoutMAC, devices: settings,
            scanInterval: scan.interval, reprobeLead: Self.reprobeLead,
            targets: scan.effectiveTargets.map {
                PresenceTarget(considerHome: $0.considerHome, homeInterval: $0.homeInterval, scanInterval: $0.interval)
            },
            targetOfAddress: targetOfAddress)
    }
}
