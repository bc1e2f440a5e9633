/// One entry of `scan.targets`: a segment scanned on its own schedule. Keys it leaves out take the
/// `scan:` value, so only what differs needs writing.
public struct ScanTargetEntry: Sendable, Equatable {
    /// `[a-z0-9_-]`, unique among the targets. Required.
    public var name: String
    /// nmap targets, in the forms `scan.hosts` takes. Required.
    public var hosts: [String]
    /// Default: none (`scan.exclude`).
    public var exclude: [String]? = nil
    /// Default: none (`scan.scan_options`).
    public var scanOptions: String? = nil
    /// Default: none (`scan.interval_seconds`).
    public var interval: Duration? = nil
    /// Default: none (`scan.home_interval`).
    public var homeInterval: Duration? = nil
    /// Default: none (`scan.consider_home`).
    public var considerHome: Duration? = nil
    /// Default: none (`scan.timeout`).
    public var timeout: Duration? = nil
}

extension ScanTargetEntry: ConfigDecodable {
    enum CodingKeys: String, ConfigKeys {
        case name, hosts, exclude
        case scanOptions = "scan_options"
        case interval = "interval_seconds"
        case homeInterval = "home_interval"
        case considerHome = "consider_home"
        case timeout

        static var hints: [String: String] { ScanSettings.CodingKeys.hints }
    }

    static let nameExpected = "a short name of lower-case letters, digits, _ and -, such as phones or iot_vlan"

    init(from decoder: ConfigDecoder) throws(ConfigError) {
        let fields = try decoder.fields(CodingKeys.self)
        guard let nameNode = fields[.name] else {
            throw fields.missing(.name, expected: Self.nameExpected)
        }
        let name = try nameNode.string(expected: Self.nameExpected)
        if !name.unicodeScalars.allSatisfy({ ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "_" || $0 == "-" }) {
            throw nameNode.error(predicate: "has characters other than a-z, 0-9, _ and -", expected: Self.nameExpected)
        }
        guard let hostsNode = fields[.hosts] else {
            throw fields.missing(.hosts, expected: ScanSettings.hostsExpected)
        }
        let hosts = try hostsNode.splitList(expected: ScanSettings.hostsExpected)
        if hosts.isEmpty {
            throw hostsNode.error(is: "empty", expected: ScanSettings.hostsExpected)
        }
        self.init(name: name, hosts: hosts)
        exclude = try fields.value(.exclude) { node throws(ConfigError) in try node.splitList(expected: ScanSettings.excludeExpected) }
        scanOptions = try fields.value(.scanOptions) { node throws(ConfigError) in
            try node.string(expected: ScanSettings.scanOptionsExpected, allowEmpty: true)
        }
        interval = try fields.value(.interval) { node throws(ConfigError) in try node.duration(unit: .seconds) }
        homeInterval = try fields.value(.homeInterval) { node throws(ConfigError) in try node.duration(unit: .minutes, allowZero: true) }
        considerHome = try fields.value(.considerHome) { node throws(ConfigError) in try node.duration(unit: .seconds) }
        timeout = try fields.value(.timeout) { node throws(ConfigError) in try node.duration(unit: .seconds) }
    }

    /// The `scan.targets` list: at least one entry, each name once. Returns the entries with their nodes,
    /// for errors the scanner finds later.
    static func list(_ node: ConfigNode, _ decoder: ConfigDecoder) throws(ConfigError) -> [(entry: ScanTargetEntry, node: ConfigNode)] {
        let expected =
            "a list of targets, each like - {name: phones, hosts: 192.168.1.0/24} with optional exclude, scan_options, interval_seconds, home_interval, consider_home and timeout"
        try node.checkTag()
        guard case .sequence = node.node else {
            throw node.error(is: "not a list", expected: expected)
        }
        let elements = try node.elements()
        if elements.isEmpty {
            throw node.error(is: "empty", expected: expected)
        }
        var targets: [(entry: ScanTargetEntry, node: ConfigNode)] = []
        var seen: [String: String] = [:]
        for element in elements {
            let target = try decoder.decode(ScanTargetEntry.self, from: element)
            let namePath = "\(element.path).name"
            if let first = seen[target.name] {
                let line = try element.mapping(accepting: [], checked: false)["name"]?.line
                throw ConfigError(
                    keyPath: namePath, message: "\(ConfigText.quoted(target.name)) is used twice (also at \(first)); expected each target name once",
                    line: line)
            }
            seen[target.name] = namePath
            targets.append((target, element))
        }
        return targets
    }
}
