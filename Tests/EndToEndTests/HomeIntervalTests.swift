import Foundation
import TestSupport
import Testing

/// `home_interval` wired through the daemon: devices seen within it are passed to nmap's
/// `--exclude`, stay `home` untouched while excluded, and depart only after home_interval +
/// consider_home (Home Assistant's home-assistant.io issue 21051).
@Suite("home_interval through the daemon")
struct HomeIntervalTests {
    @Test("seen devices are excluded from the next scans and depart only after home_interval + consider_home")
    func excludedThenDeparted() async throws {
        let considerHome = 3
        let homeInterval = 5
        try await withBridge(config: BridgeConfig(considerHome: considerHome, scan: ["home_interval: \(homeInterval)s"])) { scene in
            let (nmap, watcher) = (scene.nmap, scene.watcher)
            let ids = StandInNmap.fixtureIDs
            try await watcher.waitForAll(ids)
            // From now on nmap sees only the last host (the router: a witness that the network works);
            // whoever else is not excluded would go.
            let leaving = Array(ids.dropLast())
            try nmap.serve(StandInNmap.scan(omitting: Set(leaving)))
            let emptied = Date()
            let lastSeen = try lastSeenTimes(watcher, leaving)
            let firstLastSeen = try #require(lastSeen.min())

            _ = try await watcher.log.wait("every leaving device not_home", within: .seconds(40), since: emptied) { entries -> Date? in
                let departed = Set(
                    entries.filter { $0.message.topic.hasSuffix("/state") && $0.message.string == "not_home" }
                        .map { $0.message.topic })
                return departed.count == leaving.count ? entries.last?.at : nil
            }
            #expect(watcher.states(since: emptied).allSatisfy { $0.state == "home" || $0.id != ids.last })
            // Not before home_interval + consider_home after the last sighting.
            for entry in watcher.log.on("nmap2mqtt/events", since: emptied) {
                guard try entry.decoded(as: Published.Event.self).event == .departed else { continue }
                #expect(
                    entry.at.timeIntervalSince(firstLastSeen) >= Double(homeInterval + considerHome) - 0.5,
                    "departed \(entry.at.timeIntervalSince(firstLastSeen)) s after the last sighting")
            }

            // While they were within home_interval, nmap was told to leave them out.
            let calls = (try? String(contentsOfFile: scene.directory + "/calls", encoding: .utf8)) ?? ""
            let excluding = calls.split(separator: "\n").filter { line in
                line.contains("--exclude") && (11...16).allSatisfy { line.contains("198.18.42.\($0)") }
            }
            #expect(!excluding.isEmpty, "no scan excluded the devices seen within home_interval:\n\(calls.suffix(2000))")
        }
    }

    /// The `last_seen` of each device from its latest attributes.
    private func lastSeenTimes(_ watcher: Watcher, _ ids: [String]) throws -> [Date] {
        try ids.map { try watcher.attributes(of: $0).lastSeen }
    }
}
