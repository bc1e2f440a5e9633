import Foundation
import Testing

@testable import StatusPage

@Suite struct StatusPageRendererTests {
    let now = StatusFixtures.at(24)
    let renderer = StatusPageRenderer(zone: .utc, refreshSeconds: 30)

    @Test func showsEveryDeviceWithItsFacts() {
        let html = renderer.render(StatusFixtures.snapshot(now: now))
        for text in [
            "Alice&#39;s phone", "Bob&#39;s laptop", "Living room TV", "192.0.2.34", "AA:BB:CC:00:00:02",
            "Lenovo", "bob-thinkpad", "by re-probe", "by passive", "Away since", "Home since",
            "re-probe of 192.0.2.34 got no answer while 4 hosts did", "2 of 3 home",
        ] {
            #expect(html.contains(text), "missing \(text)")
        }
        // Home first, then away; by name within each.
        let alice = html.range(of: "Alice&#39;s phone")!.lowerBound
        let tv = html.range(of: "Living room TV")!.lowerBound
        let bob = html.range(of: "<bdi>Bob&#39;s laptop</bdi></h3>")!.lowerBound
        #expect(alice < tv && tv < bob)
    }

    @Test func bobLeftTwoHoursAgo() {
        let html = renderer.render(StatusFixtures.snapshot(now: now))
        #expect(html.contains("Away since <time datetime=\"2025-12-04T10:00:00Z\">10:00</time>"))
        #expect(html.contains("(2 h)"))
        #expect(html.contains("<rect class=\"s-away\" data-state=\"away\" x=\"916.67\""))
        #expect(html.contains("<title>away 10:00–now (2 h)</title>"))
    }

    @Test func theBridgeBlock() {
        var snapshot = StatusFixtures.snapshot(now: now, connected: false)
        snapshot.bridge.consecutiveFailures = 3
        snapshot.bridge.lastError = "nmap exited with status 1"
        let report = HealthCheck(scanInterval: .seconds(12)).evaluate(snapshot, now: now)
        let html = renderer.render(snapshot, health: report)
        for text in [
            "disconnected", "2.41 s", "Failures in a row</dt><dd class=\"bad\">3", "nmap exited with status 1",
            "Broker disconnected", "the MQTT broker is not connected",
        ] {
            #expect(html.contains(text), "missing \(text)")
        }
    }

    @Test func refreshesItselfWithoutScript() {
        let html = renderer.render(StatusFixtures.snapshot(now: now))
        #expect(html.contains("<meta http-equiv=\"refresh\" content=\"30\">"))
        #expect(!html.lowercased().contains("<script"))
        #expect(!html.contains("http://") && !html.contains("https://"), "nothing loads from elsewhere")
        #expect(
            !StatusPageRenderer(zone: .utc, refreshSeconds: 0).render(StatusFixtures.snapshot(now: now))
                .contains("http-equiv"))
    }

    @Test func hostileStringsAreEscaped() {
        let html = renderer.render(StatusFixtures.hostileSnapshot(now: now))
        let lower = html.lowercased()
        #expect(!lower.contains("<script"))
        #expect(!lower.contains("<img"))
        #expect(!html.contains("' onmouseover"))
        // The only tags in the page are the renderer's own: no string from the network opened one.
        let allowed: Set<String> = [
            "html", "head", "meta", "link", "title", "style", "body", "div", "header", "h1", "h2", "h3", "p", "span",
            "strong", "time", "main", "section", "ul", "li", "i", "article", "bdi", "svg", "rect", "line", "dl", "dt",
            "dd", "aside", "ol", "footer", "a", "path",
        ]
        var tags = Set<String>()
        var rest = Substring(html)
        while let open = rest.firstIndex(of: "<") {
            rest = rest[rest.index(after: open)...]
            if rest.hasPrefix("!doctype") { continue }
            let name = rest.drop { $0 == "/" }.prefix { $0.isLetter || $0.isNumber }
            tags.insert(name.lowercased())
        }
        #expect(tags.subtracting(allowed).isEmpty, "unexpected tags \(tags.subtracting(allowed))")
        #expect(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
        #expect(html.contains("&amp;amp; &amp;lt;already&amp;gt;"))
        // Control characters and bidirectional overrides never reach the page.
        for scalar in html.unicodeScalars {
            let value = scalar.value
            #expect(!(value < 0x20 && value != 0x0A) && !(0x7F..<0xA0).contains(value), "control U+\(String(value, radix: 16))")
            #expect(value != 0x202E)
        }
        // A 5,000-character name is cut short, and so is a character made of 3,000 combining marks.
        #expect(!html.contains(String(repeating: "W", count: 301)))
        #expect(html.utf8.count < 250_000, "page is \(html.utf8.count) bytes")
        // Every device still got its card and its timeline.
        #expect(html.components(separatedBy: "<article class=\"device").count - 1 == StatusFixtures.hostileStrings.count)
        #expect(html.components(separatedBy: "<svg class=\"tl\"").count - 1 == StatusFixtures.hostileStrings.count)
    }

    @Test func escaping() {
        #expect(HTML.escape("<a href=\"x\">'&'</a>") == "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;")
        #expect(HTML.escape("tab\there\nnew\u{0}") == "tab here new\u{FFFD}")
        #expect(HTML.escape("abc\u{202E}def") == "abcdef")
        #expect(HTML.escape("abcdef", limit: 3) == "abc…")
        #expect(HTML.escape("héllo wörld 😀") == "héllo wörld 😀")
    }

    @Test func noDevicesYet() {
        let snapshot = StatusSnapshot(generatedAt: now, bridge: StatusFixtures.bridge(at: now), devices: [])
        let html = renderer.render(snapshot)
        #expect(html.contains("No devices yet"))
        #expect(html.contains("0 of 0 home"))
        #expect(html.contains("None in the history."))
    }
}

@Suite struct TimelineSVGTests {
    let now = StatusFixtures.at(24)

    func svg(_ spans: [TimelineSpan], zone: DisplayZone = .utc) -> String {
        TimelineSVG(
            spans: spans, windowStart: StatusFixtures.at(0), windowEnd: now,
            time: TimeText(zone: zone, now: now)
        ).render(name: "Bob", key: "d0")
    }

    @Test func spansBecomeRectsInProportion() {
        let html = svg([
            TimelineSpan(from: StatusFixtures.at(0), to: StatusFixtures.at(6), state: .unknown),
            TimelineSpan(from: StatusFixtures.at(6), to: StatusFixtures.at(18), state: .home),
            TimelineSpan(from: StatusFixtures.at(18), to: now, state: .away),
        ])
        #expect(html.contains("<rect class=\"s-unknown\" data-state=\"unknown\" x=\"0.00\" y=\"0\" width=\"250.00\""))
        #expect(html.contains("<rect class=\"s-home\" data-state=\"home\" x=\"250.00\" y=\"0\" width=\"500.00\""))
        #expect(html.contains("<rect class=\"s-away\" data-state=\"away\" x=\"750.00\" y=\"0\" width=\"250.00\""))
        #expect(html.contains("role=\"img\" aria-labelledby=\"d0-t\""))
        #expect(html.contains("<title id=\"d0-t\">Bob, last 24 hours: not watched 12:00–18:00, home 18:00–06:00, away 06:00–now</title>"))
    }

    @Test func hourTicksAndLabelsFollowTheZone() {
        let spans = [TimelineSpan(from: StatusFixtures.at(0), to: now, state: .home)]
        let utc = svg(spans)
        // The window starts on a full hour: 23 ticks inside it.
        #expect(utc.components(separatedBy: "M").count - 1 == 23)
        #expect(utc.contains("<path class=\"tick major\" d=\"M250.0 0V24M500.0 0V24M750.0 0V24\""))
        #expect(utc.contains(">15:00</span>") && utc.contains(">18:00</span>") && utc.contains(">00:00</span>"))
        #expect(utc.contains("class=\"hour minor\" style=\"left:12.50%\">15:00"))
        // Half an hour east of UTC: ticks move by half an hour, labels read local time.
        let shifted = svg(spans, zone: .fixed(offsetSeconds: 1800, name: "X"))
        #expect(shifted.components(separatedBy: "M").count - 1 == 24)
        #expect(shifted.contains("style=\"left:10.42%\">15:00"))
    }
}

@Suite struct TimeTextTests {
    let now = StatusFixtures.noon

    @Test func moments() {
        let time = TimeText(zone: .utc, now: now)
        #expect(time.moment(now.addingTimeInterval(-3600)) == "11:00")
        #expect(time.moment(now.addingTimeInterval(-86400)) == "Tue 12:00")
        #expect(time.moment(now.addingTimeInterval(-10 * 86400)) == "23 Nov 12:00")
        #expect(time.moment(now.addingTimeInterval(-400 * 86400)) == "29 Oct 2024 12:00")
        #expect(TimeText.iso(now) == "2025-12-03T12:00:00Z")
        #expect(time.ago(now.addingTimeInterval(-12)) == "12 s ago")
        #expect(time.ago(now) == "just now")
        #expect(time.ago(now.addingTimeInterval(5)) == "in 5 s")
    }

    @Test func durations() {
        #expect(TimeText.duration(45) == "45 s")
        #expect(TimeText.duration(300) == "5 min")
        #expect(TimeText.duration(3 * 3600 + 12 * 60) == "3 h 12 min")
        #expect(TimeText.duration(7200) == "2 h")
        #expect(TimeText.duration(52 * 3600) == "2 d 4 h")
        #expect(TimeText.seconds(0.85) == "850 ms")
        #expect(TimeText.seconds(2.414) == "2.41 s")
        #expect(TimeText.fixed(-0.004, digits: 2) == "0.00")
        #expect(TimeText.fixed(916.666, digits: 2) == "916.67")
    }
}
