#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// One device's 24-hour timeline as inline SVG, drawn by the server: a bar of home / away / unknown spans
/// with hour ticks, then an HTML axis of hour labels under it (HTML, so the labels keep their size when
/// the bar stretches to the width of a phone or a desktop).
///
/// Accessible: the SVG is `role="img"` with a `<title>` that reads the timeline out ("away 14:05–18:00,
/// home 18:00–now"), and every span has its own `<title>`, which a desktop browser shows on hover.
struct TimelineSVG {
    /// The bar's coordinate width; the SVG stretches it to the page (`preserveAspectRatio="none"`).
    static let width = 1000.0
    static let height = 24.0

    let spans: [TimelineSpan]
    let windowStart: Date
    let windowEnd: Date
    let time: TimeText

    /// `name` is already escaped; `key` makes the element ids unique on the page.
    func render(name: String, key: String) -> String {
        let window = windowEnd.timeIntervalSince(windowStart)
        guard window > 0 else { return "" }
        func x(_ date: Date) -> Double {
            min(max(date.timeIntervalSince(windowStart) / window, 0), 1) * Self.width
        }
        var svg = "<svg class=\"tl\" viewBox=\"0 0 \(Int(Self.width)) \(Int(Self.height))\" preserveAspectRatio=\"none\""
        svg += " role=\"img\" aria-labelledby=\"\(key)-t\" focusable=\"false\">"
        svg += "<title id=\"\(key)-t\">\(summary(name: name))</title>"
        svg += "<rect class=\"s-bg\" x=\"0\" y=\"0\" width=\"\(Int(Self.width))\" height=\"\(Int(Self.height))\"/>"
        for span in spans {
            let from = x(span.from)
            let to = x(span.to)
            guard to > from else { continue }
            svg += "<rect class=\"s-\(span.state.rawValue)\" data-state=\"\(span.state.rawValue)\""
            svg += " x=\"\(TimeText.fixed(from, digits: 2))\" y=\"0\" width=\"\(TimeText.fixed(to - from, digits: 2))\""
            svg += " height=\"\(Int(Self.height))\"><title>\(describe(span))</title></rect>"
        }
        // The hour ticks as two paths (full height every six hours, short otherwise): a few hundred bytes
        // instead of a line element per hour, for every device on the page.
        var minor = ""
        var major = ""
        for tick in hourTicks() {
            let position = TimeText.fixed(x(tick.at), digits: 1)
            if tick.hour % 6 == 0 { major += "M\(position) 0V\(Int(Self.height))" } else { minor += "M\(position) 16V\(Int(Self.height))" }
        }
        if !minor.isEmpty { svg += "<path class=\"tick\" d=\"\(minor)\" vector-effect=\"non-scaling-stroke\"/>" }
        if !major.isEmpty { svg += "<path class=\"tick major\" d=\"\(major)\" vector-effect=\"non-scaling-stroke\"/>" }
        svg += "</svg>"
        return svg + axis(x: x)
    }

    /// Hour labels every three hours (every six on a phone: the others are `minor`), with the ends marked.
    private func axis(x: (Date) -> Double) -> String {
        var html = "<div class=\"axis\" aria-hidden=\"true\"><span class=\"end start\">−24 h</span>"
        for tick in hourTicks() where tick.hour % 3 == 0 {
            let percent = x(tick.at) / Self.width * 100
            guard percent > 7, percent < 93 else { continue }
            let minor = tick.hour % 6 != 0 ? " minor" : ""
            html += "<span class=\"hour\(minor)\" style=\"left:\(TimeText.fixed(percent, digits: 2))%\">"
            html += "\(TimeText.two(tick.hour)):00</span>"
        }
        return html + "<span class=\"end now\">now</span></div>"
    }

    /// Every full local hour inside the window.
    private func hourTicks() -> [(at: Date, hour: Int)] {
        var ticks: [(Date, Int)] = []
        let offset = Double(time.zone.parts(windowStart).offset)
        var candidate = ((windowStart.timeIntervalSince1970 + offset) / 3600).rounded(.up) * 3600 - offset
        let end = windowEnd.timeIntervalSince1970
        while candidate < end, ticks.count < 48 {
            let date = Date(timeIntervalSince1970: candidate)
            let parts = time.zone.parts(date)
            // A daylight-saving change moves the offset: realign to the local full hour.
            if parts.minute != 0 {
                candidate -= Double(parts.minute * 60 + parts.second)
                if candidate <= windowStart.timeIntervalSince1970 { candidate += 3600 }
                continue
            }
            if candidate > windowStart.timeIntervalSince1970 { ticks.append((date, parts.hour)) }
            candidate += 3600
        }
        return ticks
    }

    private func describe(_ span: TimelineSpan) -> String {
        let end = span.to >= windowEnd ? "now" : time.clock(span.to)
        return "\(Self.word(span.state)) \(time.clock(span.from))–\(end) (\(TimeText.duration(span.duration)))"
    }

    private func summary(name: String) -> String {
        var parts: [String] = []
        for span in spans.suffix(12) {
            let end = span.to >= windowEnd ? "now" : time.clock(span.to)
            parts.append("\(Self.word(span.state)) \(time.clock(span.from))–\(end)")
        }
        let earlier = spans.count > 12 ? " (and \(spans.count - 12) earlier changes)" : ""
        return "\(name), last 24 hours: \(parts.joined(separator: ", "))\(earlier)"
    }

    static func word(_ state: TimelineSpan.State) -> String {
        switch state {
        case .home: "home"
        case .away: "away"
        case .unknown: "not watched"
        }
    }
}
