import NmapScanner

/// What to scan and how often.
public struct ScanSettings: Sendable, Equatable {
    /// nmap targets (CIDR, `a.b.c.d-e`, IP, host name), one per element. Required.
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

    public static let defaultScanOptions = "-F --host-timeout 5s"
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
        case listen

        /// Home Assistant's newer names, and the ones people reach for first.
        static let hints: [String: String] = [
            "mac_exclude": "did you mean \"exclude_macs\"? (Home Assistant's mac_exclude)",
            "hosts_exclude": "did you mean \"exclude\"? (Home Assistant's hosts_exclude)",
            "hosts_list": "did you mean \"hosts\"? (Home Assistant's hosts_list)",
            "scan_interval": "did you mean \"interval_seconds\"? (the time between scan starts)",
            "interval": "did you mean \"interval_seconds\"?",
        ]
    }

    init(from decoder: ConfigDecoder) throws(ConfigError) {
        let fields = try decoder.fields(CodingKeys.self)
        let hostsExpected = "nmap targets: a string such as \"192.168.1.0/24\" (several separated by commas or spaces) or a list of them"
        guard let hostsNode = fields[.hosts] else {
            throw fields.missing(.hosts, expected: hostsExpected)
        }
        self.init(hosts: try hostsNode.splitList(expected: hostsExpected))
        if hosts.isEmpty {
            throw hostsNode.error(is: "empty", expected: hostsExpected)
        }
        try fields.read(.exclude, into: &exclude) { node throws(ConfigError) in
            try node.splitList(expected: "addresses or ranges not to scan: a string (several separated by commas or spaces) or a list")
        }
        try fields.read(.excludeMACs, into: &excludeMACs) { node throws(ConfigError) in try node.macList() }
        try fields.read(.scanOptions, into: &scanOptions) { node throws(ConfigError) in
            try node.string(expected: "nmap options as one string, such as \"\(ScanSettings.defaultScanOptions)\"", allowEmpty: true)
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
        try checkWithScanner(fields)
    }

    /// Targets and scan_options are judged by the scanner itself, so the bridge refuses exactly
    /// what nmap would misread (an option as a target, output redirection, a v4/v6 mix).
    private func checkWithScanner(_ fields: ConfigFields<CodingKeys>) throws(ConfigError) {
        do {
            try ScannerConfiguration(targets: hosts, exclude: exclude, scanOptions: scanOptions).validate()
        } catch {
            let key: CodingKeys
            switch error.kind {
            case .invalidExclude: key = .exclude
            case .forbiddenOption, .unbalancedQuote: key = .scanOptions
            case .addressFamilyMismatch: key = error.value.hasPrefix("-") ? .scanOptions : .hosts
            case .noTargets, .invalidTarget, .invalidSetting: key = .hosts
            }
            let node = fields[key]
            throw ConfigError(keyPath: node?.path ?? fields.mapping.path(of: key.rawValue), message: error.message, line: node?.line)
        }
    }
}
