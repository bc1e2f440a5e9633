import Foundation
import TestSupport
import Testing

/// The status page of the built daemon on the test LAN, loaded by headless Chromium after a device left:
/// what a person sees when they ask "why did the lights go off?". Also `/healthz` and `/metrics`.
@Suite(
    "Status page of the daemon on the test LAN",
    .enabled(
        if: TestLAN.shouldRun && (Chromium.path != nil || Chromium.onCI),
        "\(TestLAN.unavailableReason ?? "chromium is not installed (scripts/install-deps installs it)")"))
struct StatusPageTests {
    /// The port the daemon's page listens on, from its log.
    static func port(in log: String) -> Int? {
        guard let line = log.split(separator: "\n").first(where: { $0.contains("Status page listening") }),
            let range = line.range(of: "web.port=")
        else { return nil }
        return Int(line[range.upperBound...].prefix { $0.isNumber })
    }

    static func get(_ url: String) async throws -> (status: Int, body: String) {
        let output = try await ChildProcess.run("curl", ["-s", "-m", "10", "-w", "\n%{http_code}", url])
        let lines = output.split(separator: "\n", omittingEmptySubsequences: false)
        return (Int(lines.last ?? "") ?? 0, lines.dropLast().joined(separator: "\n"))
    }

    @Test("after a device left, the rendered page shows every device, its state, the departure's reason and the timeline")
    func afterADeparture() async throws {
        try await withBridge(lab: true, config: .home(interval: 2, considerHome: 4)) { scene in
            let (lab, daemon) = (try #require(scene.lab), scene.daemon)

            try await scene.watcher.waitForAll(scene.ids, within: .seconds(40))
            let port = try #require(Self.port(in: daemon.log), "the page's port in the log")
            let health = try await Self.get("http://127.0.0.1:\(port)/healthz")
            #expect(health.status == 200, "healthz: \(health.body)")

            let phone = lab.host(3)
            let phoneID = phone.deviceID
            let left = Date()
            try await lab.leave(phone.index)
            _ = try await scene.watcher.log.waitFor("nmap2mqtt/\(phoneID)/state", within: .seconds(90), since: left, "not_home") { $0 == "not_home" }
            try await Task.sleep(for: .seconds(1))

            let dom = scene.directory + "/page.html"
            let code = try await Chromium.run(["--dump-dom", "http://127.0.0.1:\(port)/"], output: dom)
            #expect(code == 0)
            let page = try String(contentsOfFile: dom, encoding: .utf8)
            for host in lab.hosts {
                let name = String(host.hostName.split(separator: ".").first ?? "")
                #expect(page.contains(name), "\(name) on the page")
                #expect(page.contains("data-id=\"\(host.deviceID)\""), "\(host.hostName)'s card")
            }
            let card = try #require(Self.card(of: phoneID, in: page), "the phone's card")
            #expect(card.contains("not_home") || card.contains("away"), "the phone is shown away: \(card.prefix(600))")
            #expect(card.contains("data-state=\"away\"") && card.contains("data-state=\"home\""), "its timeline: home, then away")
            #expect(page.contains("got no answer"), "the departure's reason")

            let metrics = try await Self.get("http://127.0.0.1:\(port)/metrics")
            #expect(metrics.status == 200)
            #expect(metrics.body.contains("nmap2mqtt_devices{state=\"not_home\"} 1"), "\(metrics.body.prefix(1500))")
            #expect(metrics.body.contains("nmap2mqtt_departures_total"), "departures counted")
        }
    }

    /// One device's `<article>`, found by its data-id.
    static func card(of id: String, in dom: String) -> String? {
        guard let marker = dom.range(of: "data-id=\"\(id)\""),
            let start = dom[..<marker.lowerBound].range(of: "<article", options: .backwards)
        else { return nil }
        let rest = dom[start.lowerBound...]
        guard let end = rest.range(of: "</article>") else { return nil }
        return String(rest[..<end.upperBound])
    }
}
