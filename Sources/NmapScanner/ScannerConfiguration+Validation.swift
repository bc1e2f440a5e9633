extension ScannerConfiguration {
    /// What `validate()` worked out, kept by the scanner so argv building needs no second pass.
    struct Validated: Sendable {
        var scanOptionWords: [String]
        /// The family every target belongs to; `.either` only when all targets are hostnames.
        var family: NmapTarget.Family
        /// True when the user's options already hold `-6`.
        var userGaveIPv6Flag: Bool
    }

    /// Checks targets, excludes and scan options without running anything.
    public func validate() throws(NmapScannerError) {
        _ = try validated()
    }

    func validated() throws(NmapScannerError) -> Validated {
        let targets = targets.map { $0.trimmingWhitespace() }
        guard !targets.isEmpty else {
            throw NmapScannerError(
                kind: .noTargets, value: "",
                message: "no scan targets given; give at least one, e.g. 192.168.1.0/24")
        }
        var families: Set<NmapTarget.Family> = []
        for target in targets {
            guard let family = NmapTarget.family(of: target) else {
                throw NmapScannerError(kind: .invalidTarget, value: target, message: Self.targetProblem(target, role: "target"))
            }
            if family != .either { families.insert(family) }
        }
        if families.count > 1 {
            let v4 = targets.first { NmapTarget.family(of: $0) == .ipv4 } ?? ""
            let v6 = targets.first { NmapTarget.family(of: $0) == .ipv6 } ?? ""
            throw NmapScannerError(
                kind: .addressFamilyMismatch, value: targets.joined(separator: " "),
                message: "targets mix IPv4 (\(v4)) and IPv6 (\(v6)); nmap scans one family per run "
                    + "(IPv6 needs -6), so configure them as two scanners")
        }
        let family = families.first ?? .either

        for entry in exclude.map({ $0.trimmingWhitespace() }) where !entry.isEmpty {
            guard let entryFamily = NmapTarget.family(of: entry), !entry.contains(",") else {
                let message =
                    entry.contains(",") && !entry.hasPrefix("-")
                    ? "exclude entry '\(entry)' contains a comma; nmap's --exclude is a comma list, so give "
                        + "each address or range (a.b.c.d-e, CIDR) as its own entry"
                    : Self.targetProblem(entry, role: "exclude entry")
                throw NmapScannerError(kind: .invalidExclude, value: entry, message: message)
            }
            if entryFamily != .either && family != .either && entryFamily != family {
                throw NmapScannerError(
                    kind: .addressFamilyMismatch, value: entry,
                    message: "exclude entry '\(entry)' is \(entryFamily == .ipv4 ? "IPv4" : "IPv6") but the "
                        + "targets are \(family == .ipv4 ? "IPv4" : "IPv6"); nmap would refuse it")
            }
        }

        let words = try ShellWords.split(scanOptions)
        var valueExpected = false
        for word in words {
            if word.isEmpty {
                throw NmapScannerError(
                    kind: .forbiddenOption, value: scanOptions,
                    message: "scan_options '\(scanOptions)' contains an empty word ('' or \"\"), which nmap "
                        + "would take as a target; remove it")
            }
            if valueExpected {
                valueExpected = false
                if !word.hasPrefix("-") { continue }
            }
            // A word that is neither an option nor the value of the option before it would reach nmap as
            // an extra target: scan_options must not widen what is scanned.
            guard word.hasPrefix("-") else {
                throw NmapScannerError(
                    kind: .forbiddenOption, value: word,
                    message: "scan option '\(word)' is not an option, so nmap would scan it as an extra target; "
                        + "targets belong in scan.hosts, and an option's value goes right after it (or attached "
                        + "with '=', as in --host-timeout=5s)")
            }
            let takesValue: Bool
            switch ScanOptionAllowList.check(word) {
            case .allowed(let value):
                takesValue = value
            case .refused(let why):
                throw NmapScannerError(
                    kind: .forbiddenOption, value: word,
                    message: "scan option '\(word)' is not allowed: \(why). Allowed, named in full: \(ScanOptionAllowList.summary)")
            }
            if word == "-6" && family == .ipv4 {
                throw NmapScannerError(
                    kind: .addressFamilyMismatch, value: word,
                    message: "scan option '-6' asks for IPv6 but the targets are IPv4 "
                        + "(\(targets.joined(separator: " "))); remove -6, or give IPv6 targets")
            }
            valueExpected = takesValue
        }
        guard !nmapPath.isEmpty else {
            throw NmapScannerError(
                kind: .invalidSetting, value: nmapPath,
                message: "nmap_path is empty; give the program's name (nmap) or its full path")
        }
        guard timeout > .zero else {
            throw NmapScannerError(
                kind: .invalidSetting, value: "\(timeout)",
                message: "the scan timeout \(timeout) must be positive, e.g. 300 seconds")
        }
        guard wakeInterval >= .zero else {
            throw NmapScannerError(
                kind: .invalidSetting, value: "\(wakeInterval)",
                message: "the wake interval \(wakeInterval) is negative; give 0 (wake before every re-probe) or more, e.g. 60 seconds")
        }
        return Validated(scanOptionWords: words, family: family, userGaveIPv6Flag: words.contains("-6"))
    }

    private static func targetProblem(_ value: String, role: String) -> String {
        if value.isEmpty {
            return "a \(role) is empty; give an IP, CIDR (192.168.1.0/24), range (192.168.1.1-50) or hostname"
        }
        if value.hasPrefix("-") {
            return "\(role) '\(value)' begins with '-', so nmap would read it as an option; "
                + "put options in scan_options and give an IP, CIDR, range or hostname here"
        }
        if value.contains(where: \.isWhitespace) {
            return "\(role) '\(value)' contains whitespace; give each IP, CIDR, range or hostname as its own entry"
        }
        return "\(role) '\(value)' is not an nmap target; expected an IP (192.168.1.10), CIDR (192.168.1.0/24), "
            + "range (192.168.1.1-50), IPv6 address or hostname"
    }

    /// nmap's options that take their value as the next word (nmap.cc's getopt string and its long
    /// options with a required argument). An option given with `=value` or a short option with its value
    /// attached (`-p80`, `-T4`) takes none.
    static func takesSeparateValue(_ word: String) -> Bool {
        if word.contains("=") { return false }
        let dashes = word.prefix(while: { $0 == "-" }).count
        let name = String(word.dropFirst(dashes))
        if dashes == 1 && name.count == 1 { return "bDegiMmopSsT".contains(name) }
        return valueTakingLongOptions.contains(name)
    }

    static let valueTakingLongOptions: Set<String> = [
        "host-timeout", "max-retries", "min-rate", "max-rate", "min-hostgroup", "max-hostgroup", "min-parallelism",
        "max-parallelism", "scan-delay", "max-scan-delay", "initial-rtt-timeout", "min-rtt-timeout", "max-rtt-timeout",
        "ttl", "data", "data-string", "data-length", "source-port", "spoof-mac", "mtu", "dns-servers", "top-ports",
        "port-ratio", "exclude-ports", "version-intensity", "proxies", "proxy", "ip-options", "stats-every",
        "max-os-tries", "nsock-engine", "route-dst", "script-timeout", "datadir", "servicedb",
        "versiondb", "script", "script-args", "script-args-file", "script-help", "resume", "stylesheet", "exclude",
        "excludefile", "iL", "iR", "oX", "oN", "oG", "oA", "oS", "oM", "oH",
    ]
}
