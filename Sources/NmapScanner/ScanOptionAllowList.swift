/// The nmap options `scan_options` may hold: an allow-list of exact names, so that nothing outside
/// presence scanning reaches nmap, which runs with raw-socket rights. nmap reads any unambiguous prefix
/// of a long option (`--datad` is `--datadir`) and single-dash long options (`-host-timeout`): both are
/// refused, since only the exact spellings below are matched.
///
/// Why each is here (nmap's reference guide, "Host Discovery" to "Timing and Performance"):
/// - host discovery: `-sn` (no port scan; `-sP`, its old name, is in many Home Assistant configs), the
///   probes `-PS`/`-PA`/`-PU`/`-PY` (optional port lists), `-PE`/`-PP`/`-PM` (ICMP), `-PO` (IP protocols),
///   `-PR` (ARP), `--disable-arp-ping`: how a host is found;
/// - name resolution: `-n`, `-R`, `--dns-servers`, `--system-dns`: host names of the devices;
/// - ports and scan types: `-F`, `-p`, `--top-ports`, `-sS`, `-sT`, `-sU`, `-sA`, `-sY`: Home Assistant's
///   `-F --host-timeout 5s` default and scans that find hosts by their ports;
/// - timing and performance: `-T0`..`-T5`, `--host-timeout`, `--max-retries`, `--min-rate`, `--max-rate`,
///   `--min-parallelism`, `--max-parallelism`, `--min-hostgroup`, `--max-hostgroup`, `--min-rtt-timeout`,
///   `--max-rtt-timeout`, `--initial-rtt-timeout`, `--scan-delay`, `--max-scan-delay`: shorter or gentler scans;
/// - how packets go out: `--privileged`, `--unprivileged`, `-e`, `--send-eth`, `--send-ip`, `-6`;
/// - what the XML says: `--reason`, `-v` (also `-vv`), `--no-stylesheet`.
/// Not here, on purpose: output and input files (`-o*`, `-iL`, `--resume`, `--append-output`), scripts and
/// the files they read (`--script*`, `--datadir`, `--servicedb`, `--versiondb`), spoofing and decoys (`-S`,
/// `-D`, `--spoof-mac`, `--proxies`), `-Pn` (every address would be "up"), `--open` (hosts without an open
/// port would vanish from the XML and depart), and anything that prints and exits.
enum ScanOptionAllowList {
    /// Long options by name, and whether each takes a value (`--name value` or `--name=value`).
    static let long: [String: Bool] = [
        "disable-arp-ping": false, "dns-servers": true, "system-dns": false, "top-ports": true,
        "host-timeout": true, "max-retries": true, "min-rate": true, "max-rate": true,
        "min-parallelism": true, "max-parallelism": true, "min-hostgroup": true, "max-hostgroup": true,
        "min-rtt-timeout": true, "max-rtt-timeout": true, "initial-rtt-timeout": true,
        "scan-delay": true, "max-scan-delay": true,
        "privileged": false, "unprivileged": false, "send-eth": false, "send-ip": false,
        "reason": false, "no-stylesheet": false,
    ]

    /// Short options that stand alone.
    static let flags: Set<String> = [
        "-sn", "-sP", "-PE", "-PP", "-PM", "-PR", "-n", "-R", "-F", "-sS", "-sT", "-sU", "-sA", "-sY", "-6",
        "-T0", "-T1", "-T2", "-T3", "-T4", "-T5",
    ]

    /// `-T` by name (`-Taggressive`, or `-T aggressive`).
    static let timingTemplates: Set<String> = ["paranoid", "sneaky", "polite", "normal", "aggressive", "insane"]

    /// Why the common refused ones are refused, in words.
    static let reasons: [String: String] = [
        "-Pn": "it reports every address up, so presence could not be told",
        "-P0": "it is -Pn: every address would be reported up",
        "-PN": "it is -Pn: every address would be reported up",
        "--open": "hosts without an open port would be left out of the XML and depart",
        "--script": "scripts run code and can write files as the bridge's user",
        "--datadir": "it makes nmap read its data files (and scripts) from another directory",
        "--resume": "it continues an old scan from its log file instead of scanning scan.hosts",
        "--exclude": "exclusions belong in scan.exclude (nmap2mqtt builds nmap's one --exclude)",
        "--excludefile": "exclusions belong in scan.exclude (nmap2mqtt builds nmap's one --exclude)",
        "-iL": "targets come from scan.hosts",
        "-iR": "it picks random Internet hosts",
        "-S": "it spoofs the source address",
        "-D": "it sends decoy scans from other addresses",
    ]

    /// One-line summary of what is allowed, for error messages.
    static let summary =
        "-sn (or its old name -sP), -PS/-PA/-PU/-PY[ports], -PE, -PP, -PM, -PO[protocols], -PR, --disable-arp-ping, -n, -R, --dns-servers, "
        + "--system-dns, -F, -p, --top-ports, -sS, -sT, -sU, -sA, -sY, -T0..-T5, --host-timeout, --max-retries, "
        + "--min-rate, --max-rate, --min/max-parallelism, --min/max-hostgroup, --min/max/initial-rtt-timeout, "
        + "--scan-delay, --max-scan-delay, --privileged, --unprivileged, -e, --send-eth, --send-ip, -6, --reason, "
        + "-v, --no-stylesheet"

    enum Verdict: Equatable {
        /// Allowed; `takesValue` when the next word is its value.
        case allowed(takesValue: Bool)
        case refused(String)
    }

    static func check(_ word: String) -> Verdict {
        if word.hasPrefix("--") {
            let name = String(word.dropFirst(2).prefix(while: { $0 != "=" }))
            if let takesValue = long[name] {
                let hasValue = word.contains("=")
                if hasValue && !takesValue { return .refused("--\(name) takes no value") }
                if hasValue && word.hasSuffix("=") { return .refused("--\(name)= has an empty value") }
                return .allowed(takesValue: takesValue && !hasValue)
            }
            return .refused(reason(for: "--" + name, full: longMatch(name)))
        }
        if flags.contains(word) { return .allowed(takesValue: false) }
        // -v, -vv, -vvv: verbosity only adds down hosts to the XML.
        if word.count >= 2, word.dropFirst().allSatisfy({ $0 == "v" }) { return .allowed(takesValue: false) }
        for probe in ["-PS", "-PA", "-PU", "-PY"] where word.hasPrefix(probe) {
            return isList(word.dropFirst(3), digitsAnd: ",-")
                ? .allowed(takesValue: false)
                : .refused("\(probe) takes an optional port list such as \(probe)22,80,443")
        }
        if word.hasPrefix("-PO") {
            return isList(word.dropFirst(3), digitsAnd: ",")
                ? .allowed(takesValue: false)
                : .refused("-PO takes an optional protocol list such as -PO1,6,17")
        }
        if word == "-p" || word == "-e" || word == "-T" { return .allowed(takesValue: true) }
        if word.hasPrefix("-T"), timingTemplates.contains(String(word.dropFirst(2))) { return .allowed(takesValue: false) }
        if word.hasPrefix("-p") {
            return isList(word.dropFirst(2), digitsAnd: ",-:TUS")
                ? .allowed(takesValue: false)
                : .refused("-p takes ports such as -p22,80 or -p1-1024")
        }
        if word.hasPrefix("-e") && word.count > 2 && !word.contains("=") { return .allowed(takesValue: false) }
        return .refused(reason(for: word, full: nil))
    }

    private static func isList(_ text: Substring, digitsAnd extra: String) -> Bool {
        text.allSatisfy { $0.isASCII && ($0.isNumber || extra.contains($0)) }
    }

    /// The one long option nmap would expand `name` to, if it is an abbreviation of exactly one it knows.
    private static func longMatch(_ name: String) -> String? {
        let known =
            [
                "datadir", "excludefile", "exclude", "resume", "script", "script-args", "script-args-file",
                "servicedb", "versiondb", "proxies", "append-output", "stylesheet", "webxml", "spoof-mac",
                "open", "iflist", "help", "version",
            ] + long.keys
        let matches = known.filter { $0.hasPrefix(name) }
        return matches.count == 1 && matches[0] != name ? "--" + matches[0] : nil
    }

    private static func reason(for option: String, full: String?) -> String {
        let key = full ?? option
        var text =
            reasons[key]
            ?? (option.hasPrefix("-o")
                ? "nmap2mqtt reads nmap's XML from stdout and owns nmap's output"
                : "it is not one of the options presence scanning uses")
        if let full { text = "nmap would read it as \(full); " + text }
        if option.hasPrefix("-"), !option.hasPrefix("--"), option.count > 3, long[String(option.dropFirst())] != nil {
            text = "write it with two dashes, --\(option.dropFirst())"
        }
        return text
    }
}
