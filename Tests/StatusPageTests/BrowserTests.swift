import Foundation
import TestSupport
import Testing

@testable import StatusPage

/// The page in a real browser: Debian's headless Chromium loads it from the running server, with a household
/// in which Bob's laptop left two hours ago, and the rendered DOM must show the devices, their states and
/// the timeline rects. Screenshots at phone and desktop sizes are checked as PNGs; with
/// `NMAP2MQTT_UPDATE_SCREENSHOTS=1` they are also written to docs/ (status-page.png, status-page-phone.png).
///
/// Skipped, saying why, when chromium is not installed; on CI (`CI=true`) it must run.
@Suite(
    .serialized,
    .enabled(
        if: Chromium.path != nil || Chromium.onCI,
        "chromium is not installed (apt-get install -y chromium, or scripts/install-deps)"))
struct BrowserTests {
    static let docs = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("docs").path

    func runChromium(_ arguments: [String], output: String) async throws {
        let code = try await Chromium.run(arguments, output: output)
        #expect(code == 0, "chromium exited with \(code)")
    }

    @Test func theRenderedPageShowsTheDevicesAndTheTimeline() async throws {
        let source = FixedSource(StatusFixtures.snapshot(now: Date()))
        let output = NSTemporaryDirectory() + "status-dom-\(UUID().uuidString).html"
        defer { unlink(output) }
        try await withStatusServer(source: source) { (port: Int) async throws in
            try await runChromium(["--dump-dom", "http://127.0.0.1:\(port)/"], output: output)
        }
        let dom = try String(contentsOfFile: output, encoding: .utf8)
        #expect(dom.contains("<bdi>Alice's phone</bdi>"), "\(dom.prefix(400))")
        #expect(dom.contains("<bdi>Bob's laptop</bdi>"))
        #expect(dom.contains("<bdi>Living room TV</bdi>"))
        // Bob's card: away, since two hours, with a timeline that goes home, unknown, home, then away.
        let bob = try #require(card(of: "AA:BB:CC:00:00:02", in: dom))
        #expect(bob.contains("class=\"device away\""))
        #expect(bob.contains("<span class=\"badge away\">away</span>"))
        #expect(rects(in: bob) == ["home", "unknown", "home", "away"])
        let alice = try #require(card(of: "AA:BB:CC:00:00:01", in: dom))
        #expect(alice.contains("<span class=\"badge home\">home</span>"))
        #expect(rects(in: alice) == ["home", "away", "home", "unknown", "home"])
        #expect(dom.contains("Recent departures"))
        #expect(dom.contains("re-probe of 192.0.2.34 got no answer while 4 hosts did"))
        #expect(dom.contains("<span class=\"pill ok\" id=\"health\">Watching</span>"))
    }

    @Test(arguments: [("status-page.png", 1280, 800, 1), ("status-page-phone.png", 390, 844, 2)])
    func screenshots(_ name: String, _ width: Int, _ height: Int, _ scale: Int) async throws {
        let source = FixedSource(StatusFixtures.snapshot(now: Date()))
        let path = NSTemporaryDirectory() + "status-\(UUID().uuidString)-\(name)"
        defer { unlink(path) }
        try await withStatusServer(source: source) { (port: Int) async throws in
            try await runChromium(
                [
                    "--window-size=\(width),\(height)", "--force-device-scale-factor=\(scale)", "--screenshot=\(path)",
                    "http://127.0.0.1:\(port)/",
                ], output: "/dev/null")
        }
        let png = try Data(contentsOf: URL(fileURLWithPath: path))
        #expect(png.starts(with: [0x89, 0x50, 0x4E, 0x47]))
        // The IHDR chunk: width and height, big-endian, at bytes 16-23.
        let size =
            png.count >= 24
            ? (png[16..<20].reduce(0) { $0 << 8 | Int($1) }, png[20..<24].reduce(0) { $0 << 8 | Int($1) }) : (0, 0)
        #expect(size.0 == width * scale && size.1 == height * scale, "\(size)")
        if ProcessInfo.processInfo.environment["NMAP2MQTT_UPDATE_SCREENSHOTS"] == "1" {
            try FileManager.default.createDirectory(atPath: Self.docs, withIntermediateDirectories: true)
            try png.write(to: URL(fileURLWithPath: "\(Self.docs)/\(name)"))
        }
    }

    /// One device's `<article>`, found by its data-id.
    func card(of id: String, in dom: String) -> String? {
        guard let marker = dom.range(of: "data-id=\"\(id)\""),
            let start = dom[..<marker.lowerBound].range(of: "<article", options: .backwards)
        else { return nil }
        let rest = dom[start.lowerBound...]
        guard let end = rest.range(of: "</article>") else { return nil }
        return String(rest[..<end.upperBound])
    }

    /// The `data-state` of each timeline rect, in order.
    func rects(in html: String) -> [String] {
        html.components(separatedBy: "data-state=\"").dropFirst().compactMap { $0.split(separator: "\"").first.map(String.init) }
    }
}
