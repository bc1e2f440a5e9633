import NmapScanner

/// What to scan and how often: one target (`hosts`), or several segments on their own schedules
/// (`targets`), whose keys default to the values here.
public struct ScanSettings: Sendable, Equatable {
    /// nmap targets (CIDR, `a.b.c.d-e`, IP, host name), one per element. Required unless `targets` is
    /// given (then empty).
    public var hosts: [String]
    /// Targets passed to nmap's `--exclude`; the bridge's own addresses are added at run time. Default: `[]`.
    public var exclude: [String] = []
    /// MACs (lower-case colon form) never to track. Default: `[]`.
    public var excludeMACs: [String] = []
    /// Extra nmap options, split like a shell would (never run through one). Default: `-F --host-timeout 5s`.
    public var scanOptions: String = ScanSettings.defaultScanOptions
    /// Time between scan starts; a running scan makes the next one wait. Default: 12 s.
    public var interval: Duration = .seconds(12)
    /// Devices seen this recently are left out of the scan to spare their batteries; zero = off. Default: 0.
    public var homeInterval: Duration = .zero
    /// Grace after the last sighting before `not_home`. Default: 180 s.
    public var considerHome: Duration = .seconds(180)
    /// One nmap run is killed (whole process group) past this. Default: 300 s.
    public var timeout: Duration = .seconds(300)
    /// The nmap executable: a command looked up in PATH, or a path. Default: `nmap`.
    public var nmapPath: String = "nmap"
    /// Hear devices between scans (ARP and DHCP frames, or the kernel's neighbour table without
    /// CAP_NET_RAW): arrivals within a second. Departures stay the scans' job. Default: true.
    public var listen: Bool = true
    /// Several targets, each on its own schedule, in place of `hosts`. Default: `[]` (`hosts` is the one
    /// target, named `default`).
    public var targets: [ScanTargetEntry] = []
    /// Scans that may run at once, across all targets and their chunks. Default: 2.
    public var parallel: Int = 2
    /// IPv4 CIDR targets wider than this are scanned one `/chunk_prefix` at a time, so a wide sweep never
    /// holds another target's scan back for more than one chunk. Default: 24.
    public var chunkPrefix: Int = 24

    public static let defaultScanOptions = "-F --host-timeout 5s"
    static let parallelRange = 1...16
    static let chunkPrefixRange = 16...30

    /// Every target with its values settled: `targets` with what each leaves out taken from here, or the
    /// one target `default` made of `hosts`.
    public var effectiveTargets: [ScanTarget] {
        guard !targets.isEmpty else {
            return [
                ScanTarget(
                    name: ScanTarget.defaultName, hosts: hosts, exclude: exclude, scanOptions: scanOptions, interval: interval,
                    homeInterval: homeInterval, considerHome: considerHome, timeout: timeout)
            ]
        }
        return targets.map { entry in
            ScanTarget(
                name: entry.name, hosts: entry.hosts, exclude: entry.exclude ?? exclude, scanOptions: entry.scanOptions ?? scanOptions,
                interval: entry.interval ?? interval, homeInterval: entry.homeInterval ?? homeInterval,
                considerHome: entry.considerHome ?? considerHome, timeout: entry.timeout ?? timeout)
        }
    }

    /// Every host of every target, for messages.
    public var allHosts: [String] {
        effectiveTargets.flatMap(\.hosts)
    }
}

extension ScanSettings: ConfigDecodable {
    enum CodingKeys: String, ConfigKeys {
        case hosts, exclude
        case excludeMACs = "exclude_macs"
        case scanOptions = "scan_options"
        case interval = "interval_seconds"
        case homeInterval = "home_interval"
        case considerHome = "consider_home"
        case timeout
        case nmapPath = "nmap_path"
        case listen, targets, parallel
        case chunkPrefix = "chunk_prefix"

        /// Home Assistant's newer names, and the ones people reach for first.
        static let hints: [String: String] = [
            "mac_exclude": "did you mean \"exclude_macs\"? (Home Assistant's mac_exclude)",
            "hosts_exclude": "did you mean \"exclude\"? (Home Assistant's hosts_exclude)",
            "hosts_list": "did you mean \"hosts\"? (Home Assistant's hosts_list)",
            "scan_interval": "did you mean \"interval_seconds\"? (the time between scan starts)",
            "interval": "did you mean \"interval_seconds\"?",
            "target": "did you mean \"targets\"? (a list of {name, hosts, ...})",
            "chunk_size": "did you mean \"chunk_prefix\"? (the prefix length of one chunk, such as 24)",
        ]
    }

    static let hostsExpected = "nmap targets: a string such as \"192.168.1.0/24\" (several separated by commas or spaces) or a list of them"
    static let excludeExpected = "addresses or ranges not to scan: a string (several separated by commas or spaces) or a list"
    static let scanOptionsExpected = "nmap options as one string, such as \"\(ScanSettings.defaultScanOptions)\""

    init(from decoder: ConfigDecoder) throws(ConfigError) {
        let fields = try decoder.fields(CodingKeys.self)
        var targetNodes: [ConfigNode] = []
        switch (fields[.hosts], fields[.targets]) {
        case (let hostsNode?, nil):
            self.init(hosts: try hostsNode.splitList(expected: Self.hostsExpected))
            if hosts.isEmpty {
                throw hostsNode.error(is: "empty", expected: Self.hostsExpected)
            }
        case (nil, let targetsNode?):
            self.init(hosts: [])
            let list = try ScanTargetEntry.list(targetsNode, decoder)
            targets = list.map(\.entry)
            targetNodes = list.map(\.node)
        case (_?, let targetsNode?):
            throw targetsNode.error(
                "is given together with scan.hosts; expected one of them: hosts: for a single target, or targets: with hosts: in each entry (move scan.hosts into a target)"
            )
        case (nil, nil):
            throw fields.missing(
                .hosts, expected: "\(Self.hostsExpected); or targets: a list of {name, hosts} for several segments on their own schedules")
        }
        try fields.read(.exclude, into: &exclude) { node throws(ConfigError) in try node.splitList(expected: Self.excludeExpected) }
        try fields.read(.excludeMACs, into: &excludeMACs) { node throws(ConfigError) in try node.macList() }
        try fields.read(.scanOptions, into: &scanOptions) { node throws(ConfigError) in
            try node.string(expected: Self.scanOptionsExpected, allowEmpty: true)
        }
        try fields.read(.interval, into: &interval, unit: .seconds)
        try fields.read(.homeInterval, into: &homeInterval, unit: .minutes, allowZero: true)
        try fields.read(.considerHome, into: &considerHome, unit: .seconds)
        try fields.read(.timeout, into: &timeout, unit: .seconds)
        try fields.read(.nmapPath, into: &nmapPath) { node throws(ConfigError) in
            let text = try node.string(expected: "the nmap command, such as nmap or /usr/bin/nmap")
            let context = decoder.context
            return text.contains("/") ? ConfigFiles.absolute(text, relativeTo: context.directory, environment: context.environment) : text
        }
        try fields.read(.listen, into: &listen)
        try fields.read(.parallel, into: &parallel) { node throws(ConfigError) in
            try node.integer(in: Self.parallelRange, what: "a number of scans at once")
        }
        try fields.read(.chunkPrefix, into: &chunkPrefix) { node throws(ConfigError) in
            try node.integer(in: Self.chunkPrefixRange, what: "an IPv4 prefix length for one chunk (24 scans a /16 as 256 chunks)")
        }
        for (index, target) in effectiveTargets.enumerated() {
            let entry = targetNodes.indices.contains(index) ? ConfigDecoder(node: targetNodes[index], context: decoder.context) : nil
            try checkWithScanner(target, entry: entry, fields)
            var hostsNode = fields[.hosts]
            if let entry { hostsNode = try entry.fields(ScanTargetEntry.CodingKeys.self)[.hosts] }
            try checkChunks(target, hostsNode: hostsNode, fields)
        }
    }

    /// The most chunks one target may be cut into: a /16 at 30, or a /8 at 24.
    static let maximumChunks = 65_536

    /// A target so wide that its chunks could not all be listed (a /8 at `chunk_prefix: 30`) is refused.
    private func checkChunks(_ target: ScanTarget, hostsNode: ConfigNode?, _ fields: ConfigFields<CodingKeys>) throws(ConfigError) {
        let count = ScanChunks.count(target.hosts, prefix: chunkPrefix)
        guard count > Self.maximumChunks else { return }
        let message =
            "\(target.hosts.joined(separator: ", ")) would be scanned as \(count) chunks of /\(chunkPrefix); expected at most \(Self.maximumChunks) per target: narrower hosts, or a smaller scan.chunk_prefix"
        throw ConfigError(keyPath: hostsNode?.path ?? fields.mapping.path(of: CodingKeys.hosts.rawValue), message: message, line: hostsNode?.line)
    }

    /// Targets and scan_options are judged by the scanner itself, so the bridge refuses exactly
    /// what nmap would misread (an option as a target, output redirection, a v4/v6 mix). An error names
    /// the target's own key when it has one (`scan.targets[1].hosts`), else the `scan:` key it inherited.
    private func checkWithScanner(_ target: ScanTarget, entry: ConfigDecoder?, _ fields: ConfigFields<CodingKeys>) throws(ConfigError) {
        do {
            try ScannerConfiguration(targets: target.hosts, exclude: target.exclude, scanOptions: target.scanOptions).validate()
        } catch {
            let key: CodingKeys
            switch error.kind {
            case .invalidExclude: key = .exclude
            case .forbiddenOption, .unbalancedQuote: key = .scanOptions
            case .addressFamilyMismatch:
                key = error.value.hasPrefix("-") ? .scanOptions : target.exclude.contains(error.value) ? .exclude : .hosts
            case .noTargets, .invalidTarget, .invalidSetting: key = .hosts
            }
            if let entry, let own = try entry.fields(ScanTargetEntry.CodingKeys.self)[ScanTargetEntry.CodingKeys(rawValue: key.rawValue)!] {
                throw ConfigError(keyPath: own.path, message: error.message, line: own.line)
            }
            let node = fields[key]
            throw ConfigError(keyPath: node?.path ?? fields.mapping.path(of: key.rawValue), message: error.message, line: node?.line)
        }
    }
}
