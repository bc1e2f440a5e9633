#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The status page as one HTML document: pure, so tests render snapshots with fixed dates.
///
/// The page has no JavaScript at all and loads nothing else (no CDN, no font, no image: the favicon is an
/// empty data URL), so it works offline and under a `default-src 'none'` content security policy. It
/// refreshes itself with `<meta http-equiv="refresh">` rather than server-sent events: that needs no
/// script, works with JavaScript off, and holds no connection open between refreshes, so an open tab
/// never counts against the server's connection cap and a phone in a pocket costs the daemon nothing.
/// Events would show a change up to ``refreshSeconds`` sooner; for presence that moves on a scale of
/// minutes, a refresh every half minute is soon enough.
public struct StatusPageRenderer: Sendable {
    /// The zone clock times are shown in. Default: the process's local zone.
    public var zone: DisplayZone
    /// Seconds between the page's own reloads; 0 turns them off. Default: 30.
    public var refreshSeconds: Int
    /// The most departures listed. Default: 20.
    public var maximumDepartures: Int

    public init(zone: DisplayZone = .local, refreshSeconds: Int = 30, maximumDepartures: Int = 20) {
        self.zone = zone
        self.refreshSeconds = refreshSeconds
        self.maximumDepartures = maximumDepartures
    }

    /// The page for `snapshot`; `health` (``HealthCheck/evaluate(_:)``) adds the verdict to the header.
    public func render(_ snapshot: StatusSnapshot, health: HealthReport? = nil) -> String {
        let time = TimeText(zone: zone, now: snapshot.generatedAt)
        let devices = snapshot.devices.sorted { lhs, rhs in
            if lhs.state != rhs.state { return lhs.state == .home }
            let (left, right) = (lhs.name.lowercased(), rhs.name.lowercased())
            return left == right ? lhs.id < rhs.id : left < right
        }
        let homeCount = devices.count { $0.state == .home }
        var html = "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        html.reserveCapacity(8192 + Self.styleSheet.utf8.count + devices.count * 3072)
        html += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        html += "<meta name=\"color-scheme\" content=\"light dark\">"
        if refreshSeconds > 0 { html += "<meta http-equiv=\"refresh\" content=\"\(refreshSeconds)\">" }
        html += "<link rel=\"icon\" href=\"data:,\">"
        html += "<title>\(homeCount) of \(devices.count) home · nmap2mqtt</title>"
        html += "<style>\(StatusPageRenderer.styleSheet)</style></head><body><div class=\"wrap\">"
        html += header(snapshot, homeCount: homeCount, total: devices.count, health: health, time: time)
        html += "<main>"
        html += "<section class=\"devices\" aria-labelledby=\"devices-h\"><div class=\"section-head\">"
        html += "<h2 id=\"devices-h\">Devices</h2>\(legend)</div>"
        if devices.isEmpty {
            html += "<p class=\"empty\">No devices yet. They appear after the first scan that finds them.</p>"
        }
        for (index, device) in devices.enumerated() {
            html += deviceCard(device, index: index, snapshot: snapshot, time: time)
        }
        html += "</section><aside>"
        html += departures(snapshot.recentDepartures, devices: devices, time: time)
        html += bridgeHealth(snapshot.bridge, health: health, time: time)
        html += "</aside></main>"
        html += "<footer>nmap2mqtt \(HTML.escape(snapshot.bridge.version, limit: 40)) · "
        html += "<a href=\"metrics\">metrics</a> · <a href=\"healthz\">healthz</a>"
        if refreshSeconds > 0 { html += " · refreshes every \(refreshSeconds) s" }
        html += "</footer></div></body></html>\n"
        return html
    }

    // MARK: - Parts

    private func header(
        _ snapshot: StatusSnapshot, homeCount: Int, total: Int, health: HealthReport?,
        time: TimeText
    ) -> String {
        var html = "<header class=\"top\"><div class=\"title\"><h1>nmap2mqtt</h1>"
        if let health {
            let (tone, words) =
                health.healthy
                ? ("ok", "Watching")
                : (
                    snapshot.bridge.brokerConnected ? "bad" : "warn",
                    health.problems.count == 1 && !snapshot.bridge.brokerConnected
                        ? "Broker disconnected" : "Needs attention"
                )
            html += "<span class=\"pill \(tone)\" id=\"health\">\(words)</span>"
        }
        html += "</div><p class=\"summary\"><strong class=\"count\">\(homeCount)</strong> of \(total) "
        html += total == 1 ? "device home" : "devices home"
        html += "<span class=\"updated\">updated <time datetime=\"\(TimeText.iso(snapshot.generatedAt))\">"
        html += "\(time.clockWithSeconds(snapshot.generatedAt))</time> \(HTML.escape(time.zoneName, limit: 10))</span></p>"
        return html + "</header>"
    }

    private var legend: String {
        "<ul class=\"legend\" aria-label=\"Timeline colours\">"
            + "<li><i class=\"sw s-home\"></i>home</li><li><i class=\"sw s-away\"></i>away</li>"
            + "<li><i class=\"sw s-unknown\"></i>not watched</li></ul>"
    }

    private func deviceCard(_ device: DeviceStatus, index: Int, snapshot: StatusSnapshot, time: TimeText) -> String {
        let name = HTML.escape(device.name, limit: 80)
        let state = device.state == .home ? "home" : "away"
        var html = "<article class=\"device \(state)\" id=\"d\(index)\" data-id=\"\(HTML.escape(device.id, limit: 80))\">"
        html += "<div class=\"device-head\"><h3><bdi>\(name)</bdi></h3>"
        html += "<span class=\"badge \(state)\">\(device.state == .home ? "home" : "away")</span></div>"
        html += "<p class=\"since\"><span>"
        if let since = device.since {
            html += "\(device.state == .home ? "Home" : "Away") since <time datetime=\"\(TimeText.iso(since))\">"
            html +=
                "\(time.moment(since))</time> <span class=\"muted\">(\(TimeText.duration(max(0, snapshot.generatedAt.timeIntervalSince(since)))))</span>"
        } else {
            html += device.state == .home ? "Home" : "Away"
        }
        html += "</span><span class=\"seen\">last seen <time datetime=\"\(TimeText.iso(device.lastSeen))\""
        html += " title=\"\(time.moment(device.lastSeen))\">\(time.ago(device.lastSeen))</time>"
        html += " by \(HTML.escape(device.lastSource, limit: 20))</span></p>"
        if let spans = snapshot.timeline[device.id], !spans.isEmpty {
            let svg = TimelineSVG(
                spans: spans, windowStart: snapshot.generatedAt.addingTimeInterval(-24 * 3600),
                windowEnd: snapshot.generatedAt, time: time)
            html += "<div class=\"timeline\">\(svg.render(name: name, key: "d\(index)"))</div>"
        }
        html += "<dl class=\"facts\">"
        html += fact("IP", device.ip.isEmpty ? nil : device.ip, mono: true)
        html += fact("MAC", device.mac, mono: true)
        html += fact("Vendor", device.vendor)
        html += fact("Host name", device.hostName)
        html += "</dl>"
        if !device.reason.isEmpty {
            html += "<p class=\"reason\"><bdi>\(HTML.escape(device.reason, limit: 300))</bdi></p>"
        }
        return html + "</article>"
    }

    private func fact(_ label: String, _ value: String?, mono: Bool = false) -> String {
        let shown = value.map { HTML.escape($0, limit: 100) } ?? "<span class=\"muted\">—</span>"
        return "<div><dt>\(label)</dt><dd\(mono ? " class=\"mono\"" : "")><bdi>\(shown)</bdi></dd></div>"
    }

    private func departures(_ departures: [Departure], devices: [DeviceStatus], time: TimeText) -> String {
        var html = "<section class=\"card departures\" aria-labelledby=\"departures-h\"><h2 id=\"departures-h\">Recent departures</h2>"
        guard !departures.isEmpty else {
            return html + "<p class=\"empty\">None in the history.</p></section>"
        }
        html += "<ol>"
        for departure in departures.prefix(maximumDepartures) {
            html += "<li><div class=\"dep-head\"><time datetime=\"\(TimeText.iso(departure.at))\">\(time.moment(departure.at))</time>"
            html += " <strong><bdi>\(HTML.escape(departure.name, limit: 80))</bdi></strong></div>"
            html += "<p><bdi>\(HTML.escape(departure.reason, limit: 300))</bdi></p></li>"
        }
        return html + "</ol></section>"
    }

    private func bridgeHealth(_ bridge: BridgeHealth, health: HealthReport?, time: TimeText) -> String {
        var html = "<section class=\"card bridge\" aria-labelledby=\"bridge-h\"><h2 id=\"bridge-h\">Bridge</h2><dl>"
        func row(_ label: String, _ value: String, tone: String? = nil) {
            html += "<div><dt>\(label)</dt><dd\(tone.map { " class=\"\($0)\"" } ?? "")>\(value)</dd></div>"
        }
        row("Broker", bridge.brokerConnected ? "connected" : "disconnected", tone: bridge.brokerConnected ? "good" : "bad")
        if let start = bridge.lastScanStart {
            row("Last scan", "<time datetime=\"\(TimeText.iso(start))\">\(time.moment(start))</time> (\(time.ago(start)))")
        } else {
            row("Last scan", "none yet")
        }
        if let result = bridge.lastScanResult {
            row("Result", result.rawValue, tone: result == .ok ? "good" : "bad")
        }
        if let duration = bridge.lastScanDuration { row("Duration", TimeText.seconds(duration)) }
        row("Failures in a row", "\(bridge.consecutiveFailures)", tone: bridge.consecutiveFailures > 0 ? "bad" : nil)
        row("Outages in a row", "\(bridge.consecutiveOutages)", tone: bridge.consecutiveOutages > 0 ? "bad" : nil)
        row("Publish queue", "\(bridge.publishQueueDepth)")
        html += "</dl>"
        if let error = bridge.lastError {
            html += "<p class=\"error\"><span>Last error</span> <bdi>\(HTML.escape(error, limit: 400))</bdi></p>"
        }
        if let health, !health.healthy {
            html += "<ul class=\"problems\">"
            for problem in health.problems { html += "<li>\(HTML.escape(problem, limit: 400))</li>" }
            html += "</ul>"
        }
        return html + "</section>"
    }
}
