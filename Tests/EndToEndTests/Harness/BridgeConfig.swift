import Foundation

/// The daemon's config.yaml in a scenario: the settings the tests vary, everything else fixed for a
/// test (debug log, any free web port, never listening on this machine's interfaces). What is nil is
/// filled in by the ``Scene``: its broker (or proxy), its stand-in nmap, its lab's subnet, its state file.
struct BridgeConfig: Sendable {
    var hosts: String?
    var interval = 1
    var considerHome = 3
    /// nil: the bridge's default (300 s).
    var timeout: Int? = 2
    /// nil: the bridge's default (`-F --host-timeout 5s`).
    var scanOptions: String? = "-sn"
    var port: Int?
    var nmapPath: String?
    var stateFile: String?
    /// Lines inside `mqtt:`.
    var mqtt: [String] = []
    /// Lines inside `scan:`.
    var scan: [String] = []
    /// Top-level lines.
    var extra: [String] = []
    /// `node_id`: fixed, so topics under `nmap2mqtt/nodes/` are known to the test.
    var nodeID = BridgeConfig.testNodeID

    static let testNodeID = "lab"
    /// `mqtt.client_id`: nil, a fresh random one each time it is written (daemons of tests running at
    /// once never share one); empty, left out (the daemon's default, `nmap2mqtt-<node_id>`: what two
    /// copies of one config share).
    var clientID: String?

    /// The scenarios of a real home: two-second scans, and a timeout that outlasts a normal scan (2 s)
    /// and nmap's usual stall when hosts vanish (6-11 s, docs/ARCHITECTURE.md); the longer stall seen
    /// when hosts vanish in the first moments of a scan (30-60 s with nmap 7.93) is killed and counted
    /// as a failed scan, which counts against nobody.
    static func home(
        interval: Int = 2, considerHome: Int = 6, timeout: Int = 12, mqtt: [String] = [], scan: [String] = [],
        extra: [String] = []
    ) -> BridgeConfig {
        BridgeConfig(interval: interval, considerHome: considerHome, timeout: timeout, mqtt: mqtt, scan: scan, extra: extra)
    }

    func render(port: Int, nmapPath: String, hosts: String, stateFile: String) -> String {
        var scanLines = ["hosts: \"\(hosts)\""]
        if let scanOptions { scanLines.append("scan_options: \"\(scanOptions)\"") }
        scanLines += ["interval_seconds: \(interval)", "consider_home: \(considerHome)"]
        if let timeout { scanLines.append("timeout: \(timeout)") }
        scanLines += ["nmap_path: \(nmapPath)", "listen: false  # outside the lab: never listen on this machine's interfaces"]
        return """
            mqtt:
              host: 127.0.0.1
              port: \(port)
            \(clientID == "" ? "" : "  client_id: \(clientID ?? "nmap2mqtt-e2e-\(UUID().uuidString.prefix(8))")")
            \((mqtt).map { "  " + $0 }.joined(separator: "\n"))
            scan:
            \((scanLines + scan).map { "  " + $0 }.joined(separator: "\n"))
            state_file: \(stateFile)
            log_level: debug
            node_id: \(nodeID)
            web:
              port: 0  # a free port: daemons of tests running at once each get one
            \(extra.joined(separator: "\n"))

            """
    }
}
