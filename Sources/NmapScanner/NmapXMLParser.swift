import Foundation
import NetworkAddresses

/// Parses nmap's `-oX` output in one pass over the bytes, keeping only up hosts.
///
/// A DOM, or Foundation's `XMLParser`, costs too much for a `-v` sweep of a /16 (65,536 `<host>`
/// elements, about 9 MB): XMLParser takes about 0.38 s just to count them. This tokenizer knows the
/// little of XML that nmap writes (elements, attributes in either quote, the five predefined entities
/// and character references, comments, processing instructions, DOCTYPE, CDATA), decodes only the
/// attribute values it keeps, and fails with a clear reason on anything else. It never recurses and
/// always moves forward, so garbage ends in an error, never a crash or a loop.
public enum NmapXMLParser {
    /// Parses a whole document. Throws `.invalidXML` for output that is not nmap XML,
    /// `.incompleteXML` for a document cut short (no `<finished exit="success">` or no `</nmaprun>`),
    /// and `.nmapReportedError` when nmap wrote `<finished exit="error">`.
    public static func parse(_ bytes: [UInt8]) throws(ScanFailure) -> NmapRun {
        try bytes.withUnsafeBufferPointer { buffer in parse(buffer: buffer) }.get()
    }

    /// The same over bytes that need not be an array (a saved file read into its own mapping).
    /// `downHostShortcut: false` reads every down host token by token (the tests compare both ways).
    static func parse(buffer: UnsafeBufferPointer<UInt8>, downHostShortcut: Bool = true) -> Result<NmapRun, ScanFailure> {
        var parser = Parser(buffer)
        parser.downHostShortcut = downHostShortcut
        return parser.parseDocument()
    }
}

extension NmapXMLParser {
    /// A byte range of the input.
    struct Span {
        var start: Int
        var end: Int
    }

    fileprivate struct Attribute {
        var name: Span
        var value: Span
    }

    fileprivate struct Parser {
        let p: UnsafeBufferPointer<UInt8>
        let n: Int
        let input: Input
        var i = 0
        var stack: [Span] = []
        /// The current tag's attributes are the first `attributeCount`; the array is reused from tag to
        /// tag (emptying it each time cost more than reading the attributes).
        var attributes: [Attribute] = []
        var attributeCount = 0
        var sawRoot = false
        var rootClosed = false

        // What nmap said.
        var run = NmapRun()
        var finishedExit: String?
        var errorMessage: String?
        var inHost = false
        var host = HostBuilder()
        var upHostIndex: [String: Int] = [:]
        /// Whether a down host written exactly as nmap writes one is taken in one step (`Input.downHostEnd`).
        var downHostShortcut = true

        init(_ p: UnsafeBufferPointer<UInt8>) {
            self.p = p
            self.n = p.count
            self.input = Input(p)
        }

        /// The host being read. Status and addresses stay byte ranges until the host turns out to be up:
        /// nine in ten hosts of a `-v` sweep are down, and decoding their values cost a third of the parse.
        struct HostBuilder {
            var state: Span?
            var reason: Span?
            var ipv4: Span?
            var ipv6: Span?
            var mac: String?
            var vendor: String?
            var hostName: String?
            var inHostnames = false
        }

        mutating func parseDocument() -> Result<NmapRun, ScanFailure> {
            if n == 0 { return .failure(incomplete("nmap wrote no XML at all")) }
            do {
                try tokenize()
            } catch {
                return .failure(error)
            }
            guard sawRoot else {
                // Only a prolog (declaration, comments, DOCTYPE): nmap stopped before it began.
                return .failure(incomplete("nmap's output stops after \(n) bytes, before <nmaprun>"))
            }
            if let exit = finishedExit, exit != "success" {
                let said = errorMessage.map { ": \($0.trimmingWhitespace())" } ?? ""
                return .failure(
                    ScanFailure(kind: .nmapReportedError, message: "nmap reported an error (exit=\"\(exit)\")\(said)"))
            }
            guard rootClosed, finishedExit != nil else {
                let inside = stack.last.map { " inside <\(input.string($0))>" } ?? ""
                return .failure(
                    incomplete(
                        "nmap's XML stops after \(n) bytes\(inside) without <finished exit=\"success\"> and "
                            + "</nmaprun>; nmap was stopped or its output cut short"))
            }
            return .success(run)
        }

        // MARK: Errors

        func invalid(_ what: String) -> ScanFailure {
            ScanFailure(kind: .invalidXML, message: "nmap's output is not valid XML: \(what)")
        }

        func invalid(at offset: Int, _ what: String) -> ScanFailure {
            invalid("\(what) at byte \(offset)")
        }

        func incomplete(_ what: String) -> ScanFailure {
            ScanFailure(kind: .incompleteXML, message: what)
        }

        func truncated() -> ScanFailure {
            let inside = stack.last.map { " inside <\(input.string($0))>" } ?? ""
            return incomplete(
                "nmap's XML stops after \(n) bytes in the middle of a tag\(inside); "
                    + "nmap was stopped or its output cut short")
        }

        // MARK: Tokenizer

        mutating func tokenize() throws(ScanFailure) {
            // A UTF-8 byte order mark may precede the prolog.
            if n >= 3 && p[0] == 0xEF && p[1] == 0xBB && p[2] == 0xBF { i = 3 }
            while i < n {
                guard let lt = input.nextLessThan(from: i) else {
                    try text(i, n)
                    i = n
                    break
                }
                // Only outside the root (a check here, not in `text`: calling a method of the parser
                // between every two tags made the compiler copy the whole parser each time).
                if stack.isEmpty { try text(i, lt) }
                i = lt
                guard i + 1 < n else { throw truncated() }
                switch p[i + 1] {
                case UInt8(ascii: "?"):
                    i = try skip(past: "?>", from: i + 2)
                case UInt8(ascii: "!"):
                    try declaration()
                case UInt8(ascii: "/"):
                    try endTag()
                default:
                    if downHostShortcut && stack.count == 1, let end = input.downHostEnd(from: i) {
                        run.hostsNotUp += 1
                        i = end
                    } else {
                        try startTag()
                    }
                }
            }
            // Input that ends with elements still open is reported as incomplete by the caller.
        }

        /// Character data between tags: nmap's data lives in attributes, so text is only checked for
        /// being whitespace outside the root element.
        func text(_ from: Int, _ to: Int) throws(ScanFailure) {
            guard stack.isEmpty, from < to else { return }
            for k in from..<to where !input.isSpace(p[k]) {
                throw invalid(at: k, sawRoot ? "text after </nmaprun>" : "text before the first element")
            }
        }

        mutating func declaration() throws(ScanFailure) {
            if input.matches("<!--", at: i) {
                i = try skip(past: "-->", from: i + 4)
            } else if input.matches("<![CDATA[", at: i) {
                guard !stack.isEmpty else { throw invalid(at: i, "CDATA outside any element") }
                i = try skip(past: "]]>", from: i + 9)
            } else if input.matches("<!DOCTYPE", at: i) {
                // Up to the closing '>', skipping an internal subset in [...] and quoted literals.
                var k = i + 9
                var bracket = 0
                while k < n {
                    let c = p[k]
                    if c == UInt8(ascii: "\"") || c == UInt8(ascii: "'") {
                        guard let close = input.find(c, from: k + 1) else { throw truncated() }
                        k = close
                    } else if c == UInt8(ascii: "[") {
                        bracket += 1
                    } else if c == UInt8(ascii: "]") {
                        bracket -= 1
                    } else if c == UInt8(ascii: ">") && bracket <= 0 {
                        break
                    }
                    k += 1
                }
                guard k < n else { throw truncated() }
                i = k + 1
            } else if ["<!--", "<![CDATA[", "<!DOCTYPE"].contains(where: { input.endsWithPrefix(of: $0, at: i) }) {
                throw truncated()
            } else {
                throw invalid(at: i, "unknown markup '<!'")
            }
        }

        mutating func endTag() throws(ScanFailure) {
            let nameStart = i + 2
            var k = nameStart
            while k < n && input.isNameByte(p[k]) { k += 1 }
            let name = Span(start: nameStart, end: k)
            while k < n && input.isSpace(p[k]) { k += 1 }
            guard k < n else { throw truncated() }
            guard p[k] == UInt8(ascii: ">"), name.end > name.start else {
                throw invalid(at: k, "malformed end tag")
            }
            guard let open = stack.last else {
                throw invalid(at: i, "end tag </\(input.string(name))> without a start tag")
            }
            guard input.equal(open, name) else {
                throw invalid(at: i, "end tag </\(input.string(name))> does not close <\(input.string(open))>")
            }
            stack.removeLast()
            i = k + 1
            close(name)
        }

        mutating func startTag() throws(ScanFailure) {
            let nameStart = i + 1
            guard input.isNameStartByte(p[nameStart]) else { throw invalid(at: nameStart, "'<' not followed by a tag name") }
            var k = nameStart
            while k < n && input.isNameByte(p[k]) { k += 1 }
            let name = Span(start: nameStart, end: k)
            attributeCount = 0
            while true {
                let beforeSpace = k
                while k < n && input.isSpace(p[k]) { k += 1 }
                guard k < n else { throw truncated() }
                let c = p[k]
                if c == UInt8(ascii: ">") {
                    i = k + 1
                    try open(name, selfClosing: false)
                    return
                }
                if c == UInt8(ascii: "/") {
                    guard k + 1 < n else { throw truncated() }
                    guard p[k + 1] == UInt8(ascii: ">") else { throw invalid(at: k, "'/' inside a tag") }
                    i = k + 2
                    try open(name, selfClosing: true)
                    return
                }
                guard k > beforeSpace, input.isNameStartByte(c) else {
                    throw invalid(at: k, "unexpected character in tag <\(input.string(name))>")
                }
                let attrStart = k
                while k < n && input.isNameByte(p[k]) { k += 1 }
                let attrName = Span(start: attrStart, end: k)
                while k < n && input.isSpace(p[k]) { k += 1 }
                guard k < n else { throw truncated() }
                guard p[k] == UInt8(ascii: "=") else { throw invalid(at: k, "expected '=' after attribute name") }
                k += 1
                while k < n && input.isSpace(p[k]) { k += 1 }
                guard k < n else { throw truncated() }
                let quote = p[k]
                guard quote == UInt8(ascii: "\"") || quote == UInt8(ascii: "'") else {
                    throw invalid(at: k, "attribute value without quotes")
                }
                // One pass to the closing quote or a '<' (values are short: two memchr calls per value
                // cost more than the bytes they searched). A '<' is a mistake if the value ends, a cut if not.
                var close = k + 1
                while close < n && p[close] != quote && p[close] != UInt8(ascii: "<") { close += 1 }
                guard close < n else { throw truncated() }
                if p[close] != quote {
                    guard input.find(quote, from: close) != nil else { throw truncated() }
                    throw invalid(at: close, "'<' inside an attribute value")
                }
                let attribute = Attribute(name: attrName, value: Span(start: k + 1, end: close))
                if attributeCount < attributes.count {
                    attributes[attributeCount] = attribute
                } else {
                    attributes.append(attribute)
                }
                attributeCount += 1
                k = close + 1
            }
        }

        // MARK: nmap semantics

        mutating func open(_ name: Span, selfClosing: Bool) throws(ScanFailure) {
            if stack.isEmpty {
                if rootClosed { throw invalid(at: name.start - 1, "a second root element after </nmaprun>") }
                guard input.named(name, "nmaprun") else {
                    throw invalid("the root element is <\(input.string(name))>, not <nmaprun>, so it is not nmap XML")
                }
                sawRoot = true
                run.args = attribute("args")
                run.version = attribute("version")
                if let start = attribute("start"), let seconds = Double(start) {
                    run.startTime = Date(timeIntervalSince1970: seconds)
                }
            } else if input.named(name, "host") && stack.count == 1 {
                inHost = true
                host = HostBuilder()
            } else if inHost {
                if input.named(name, "status") {
                    host.state = attributeSpan("state")
                    host.reason = attributeSpan("reason")
                } else if input.named(name, "address") {
                    guard let addr = attributeSpan("addr") else { return finishOpen(name, selfClosing) }
                    let type = attributeSpan("addrtype")
                    if input.valueIs(type, "ipv4") {
                        if host.ipv4 == nil { host.ipv4 = addr }
                    } else if input.valueIs(type, "ipv6") {
                        if host.ipv6 == nil { host.ipv6 = addr }
                    } else if input.valueIs(type, "mac") && host.mac == nil {
                        host.mac = MACAddress.normalized(input.decode(addr))
                        host.vendor = attribute("vendor")
                    }
                } else if input.named(name, "hostnames") {
                    host.inHostnames = true
                } else if input.named(name, "hostname") && host.inHostnames && host.hostName == nil {
                    if let hostName = attribute("name"), !hostName.isEmpty { host.hostName = hostName }
                }
            } else if input.named(name, "finished") {
                finishedExit = attribute("exit") ?? "success"
                errorMessage = attribute("errormsg")
                run.stats.elapsed = attribute("elapsed").flatMap(Double.init) ?? 0
            } else if input.named(name, "hosts") && stack.count == 2 {
                run.stats.up = attribute("up").flatMap { Int($0) } ?? 0
                run.stats.down = attribute("down").flatMap { Int($0) } ?? 0
                run.stats.total = attribute("total").flatMap { Int($0) } ?? 0
            }
            finishOpen(name, selfClosing)
        }

        mutating func finishOpen(_ name: Span, _ selfClosing: Bool) {
            if selfClosing {
                close(name)
            } else {
                stack.append(name)
            }
        }

        mutating func close(_ name: Span) {
            if stack.isEmpty && input.named(name, "nmaprun") {
                rootClosed = true
            } else if inHost && stack.count == 1 && input.named(name, "host") {
                inHost = false
                if input.valueIs(host.state, "up"), host.ipv4 != nil || host.ipv6 != nil {
                    let ipv4 = host.ipv4.map(input.decode)
                    let ipv6 = host.ipv6.map(input.decode)
                    let address = ipv4 ?? ipv6 ?? ""
                    let found = ScanHost(
                        ipv4: ipv4, ipv6: ipv6, mac: host.mac, vendor: host.vendor,
                        hostName: host.hostName, reason: host.reason.map(input.decode) ?? "")
                    // A host named twice on the command line (as a name and by address) is listed twice.
                    if let earlier = upHostIndex[address] {
                        run.hosts[earlier].mac = run.hosts[earlier].mac ?? found.mac
                        run.hosts[earlier].vendor = run.hosts[earlier].vendor ?? found.vendor
                        run.hosts[earlier].hostName = run.hosts[earlier].hostName ?? found.hostName
                    } else {
                        upHostIndex[address] = run.hosts.count
                        run.hosts.append(found)
                    }
                } else {
                    run.hostsNotUp += 1
                }
            } else if inHost && input.named(name, "hostnames") {
                host.inHostnames = false
            }
        }

        // MARK: Attributes

        /// The decoded value of the current tag's attribute `wanted`, or nil. Inlined, as an outlined
        /// call copied the whole parser.
        @inline(__always)
        func attribute(_ wanted: StaticString) -> String? {
            attributeSpan(wanted).map(input.decode)
        }

        /// Where the raw value of the current tag's attribute `wanted` lies, or nil.
        @inline(__always)
        func attributeSpan(_ wanted: StaticString) -> Span? {
            for index in 0..<attributeCount where input.named(attributes[index].name, wanted) {
                return attributes[index].value
            }
            return nil
        }

        // MARK: Bytes

        /// The index just past the next `terminator` at or after `from`.
        func skip(past terminator: StaticString, from: Int) throws(ScanFailure) -> Int {
            let first = terminator.utf8Start.pointee
            var k = from
            while let hit = input.find(first, from: k) {
                if input.matches(terminator, at: hit) { return hit + terminator.utf8CodeUnitCount }
                k = hit + 1
            }
            throw truncated()
        }
    }

    /// The document's bytes and what can be read off them. Kept apart from `Parser` so that reading a
    /// byte range never copies the parser's mutable state: when these were parser methods, the
    /// compiler copied the whole parser (and retained everything in it) at every closed `<host>`.
    struct Input {
        let p: UnsafeBufferPointer<UInt8>
        let n: Int

        init(_ p: UnsafeBufferPointer<UInt8>) {
            self.p = p
            self.n = p.count
        }

        /// Whether a raw attribute value, once decoded, is `literal` (without making a string when it
        /// holds no reference).
        @inline(__always)
        func valueIs(_ span: Span?, _ literal: StaticString) -> Bool {
            guard let span else { return false }
            if named(span, literal) { return true }
            if find(UInt8(ascii: "&"), from: span.start, to: span.end) == nil { return false }
            return decode(span) == literal.description
        }

        /// Attribute text with entities and character references replaced; invalid UTF-8 and
        /// references to non-characters become U+FFFD; unknown entities are kept as written.
        func decode(_ span: Span) -> String {
            guard find(UInt8(ascii: "&"), from: span.start, to: span.end) != nil else {
                return String(decoding: UnsafeBufferPointer(rebasing: p[span.start..<span.end]), as: UTF8.self)
            }
            var out: [UInt8] = []
            out.reserveCapacity(span.end - span.start)
            var k = span.start
            while k < span.end {
                let c = p[k]
                guard c == UInt8(ascii: "&"),
                    let semicolon = find(UInt8(ascii: ";"), from: k + 1, to: min(span.end, k + 12))
                else {
                    out.append(c)
                    k += 1
                    continue
                }
                let entity = Span(start: k + 1, end: semicolon)
                if let scalar = entityScalar(entity) {
                    out.append(contentsOf: String(Character(scalar)).utf8)
                    k = semicolon + 1
                } else {
                    out.append(c)
                    k += 1
                }
            }
            return String(decoding: out, as: UTF8.self)
        }

        func entityScalar(_ entity: Span) -> Unicode.Scalar? {
            if named(entity, "lt") { return "<" }
            if named(entity, "gt") { return ">" }
            if named(entity, "amp") { return "&" }
            if named(entity, "quot") { return "\"" }
            if named(entity, "apos") { return "'" }
            guard entity.end - entity.start >= 2, p[entity.start] == UInt8(ascii: "#") else { return nil }
            var value: UInt32 = 0
            var k = entity.start + 1
            let hex = p[k] == UInt8(ascii: "x") || p[k] == UInt8(ascii: "X")
            if hex { k += 1 }
            guard k < entity.end else { return nil }
            while k < entity.end {
                let c = p[k]
                let digit: UInt32
                switch c {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(c - UInt8(ascii: "0"))
                case UInt8(ascii: "a")...UInt8(ascii: "f") where hex: digit = UInt32(c - UInt8(ascii: "a") + 10)
                case UInt8(ascii: "A")...UInt8(ascii: "F") where hex: digit = UInt32(c - UInt8(ascii: "A") + 10)
                default: return nil
                }
                value = value &* (hex ? 16 : 10) &+ digit
                if value > 0x10FFFF { return "\u{FFFD}" }
                k += 1
            }
            guard value != 0, let scalar = Unicode.Scalar(value) else { return "\u{FFFD}" }
            return scalar
        }

        @inline(__always)
        func find(_ byte: UInt8, from: Int, to: Int? = nil) -> Int? {
            let end = to ?? n
            guard from < end else { return nil }
            guard let base = p.baseAddress,
                let hit = memchr(base + from, Int32(byte), end - from)
            else { return nil }
            return base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
        }

        /// Where a host nmap reports down ends, when the bytes at `start` are exactly what nmap 7.93
        /// writes for one with `-v` (nine in ten `<host>` elements of a sweep):
        /// `<host><status state="down" reason="…" reason_ttl="…"/>`, a newline,
        /// `<address addr="…" addrtype="ipv4"/>`, a newline, `</host>`, with no `"` or `<` in a value.
        /// Read token by token, such an element only counts one more host not up (the spans it leaves
        /// in the host being built are replaced at the next `<host>`), so the parser counts it and
        /// moves on: reading them token by token was most of the parse of a /16 sweep. Nil for
        /// anything else, which is then read token by token.
        func downHostEnd(from start: Int) -> Int? {
            var k = start
            guard literal("<host><status state=\"down\" reason=\"", at: &k), value(at: &k),
                literal("\" reason_ttl=\"", at: &k), value(at: &k),
                literal("\"/>\n<address addr=\"", at: &k), value(at: &k),
                literal("\" addrtype=\"ipv4\"/>\n</host>", at: &k)
            else { return nil }
            return k
        }

        /// Steps past `text` when the bytes at `k` are it.
        @inline(__always)
        private func literal(_ text: StaticString, at k: inout Int) -> Bool {
            let count = text.utf8CodeUnitCount
            guard k + count <= n, let base = p.baseAddress, memcmp(base + k, text.utf8Start, count) == 0 else {
                return false
            }
            k += count
            return true
        }

        /// Steps to the `"` that ends an attribute value; false at a `<` (a mistake the tokenizer reports) or the end.
        @inline(__always)
        private func value(at k: inout Int) -> Bool {
            while k < n {
                let c = p[k]
                if c == UInt8(ascii: "\"") { return true }
                if c == UInt8(ascii: "<") { return false }
                k += 1
            }
            return false
        }

        /// The next '<' at or after `start`. nmap puts a newline between tags, so it is nearly always a
        /// byte or two away, closer than a call to memchr pays for.
        @inline(__always)
        func nextLessThan(from start: Int) -> Int? {
            var k = start
            let near = min(n, start + 16)
            while k < near {
                if p[k] == UInt8(ascii: "<") { return k }
                k += 1
            }
            return find(UInt8(ascii: "<"), from: k)
        }

        /// The input ends inside `literal`, which starts at `offset`: a cut, not a mistake.
        func endsWithPrefix(of literal: StaticString, at offset: Int) -> Bool {
            let count = literal.utf8CodeUnitCount
            guard n - offset < count else { return false }
            let bytes = literal.utf8Start
            for k in 0..<(n - offset) where p[offset + k] != bytes[k] { return false }
            return true
        }

        @inline(__always)
        func matches(_ literal: StaticString, at offset: Int) -> Bool {
            let count = literal.utf8CodeUnitCount
            guard offset + count <= n else { return false }
            let bytes = literal.utf8Start
            for k in 0..<count where p[offset + k] != bytes[k] { return false }
            return true
        }

        @inline(__always)
        func named(_ span: Span, _ literal: StaticString) -> Bool {
            span.end - span.start == literal.utf8CodeUnitCount && matches(literal, at: span.start)
        }

        @inline(__always)
        func equal(_ a: Span, _ b: Span) -> Bool {
            let count = a.end - a.start
            guard count == b.end - b.start else { return false }
            return memcmp(p.baseAddress! + a.start, p.baseAddress! + b.start, count) == 0
        }

        func string(_ span: Span) -> String {
            let end = min(span.end, span.start + 64)
            return String(decoding: UnsafeBufferPointer(rebasing: p[span.start..<end]), as: UTF8.self)
        }

        @inline(__always)
        func isSpace(_ c: UInt8) -> Bool {
            c == 0x20 || c == 0x0A || c == 0x09 || c == 0x0D
        }

        @inline(__always)
        func isNameStartByte(_ c: UInt8) -> Bool {
            (c >= UInt8(ascii: "a") && c <= UInt8(ascii: "z")) || (c >= UInt8(ascii: "A") && c <= UInt8(ascii: "Z"))
                || c == UInt8(ascii: "_") || c == UInt8(ascii: ":") || c >= 0x80
        }

        @inline(__always)
        func isNameByte(_ c: UInt8) -> Bool {
            isNameStartByte(c) || (c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9")) || c == UInt8(ascii: "-")
                || c == UInt8(ascii: ".")
        }
    }
}
