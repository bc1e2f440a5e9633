import Yams

/// The keys one section of `config.yaml` declares: a section's `CodingKeys` are its key list, so the
/// unknown-key check, "did you mean", the sample's and README's key tests all read them from one place.
protocol ConfigKeys: CodingKey, CaseIterable, RawRepresentable<String> {
    /// Hints for keys written somewhere else than where they belong, or under another program's name.
    static var hints: [String: String] { get }
}

extension ConfigKeys {
    static var hints: [String: String] { [:] }
    static var names: [String] { allCases.map(\.rawValue) }
}

/// What every section needs besides its own node: where relative paths start, and the environment
/// (`NMAP2MQTT_MQTT_*` overrides, `HOME` for `~/`, systemd's `STATE_DIRECTORY`).
struct ConfigContext: Sendable {
    /// Absolute directory that relative paths in the file are taken against.
    let directory: String
    let environment: [String: String]
}

/// A section of `config.yaml` that reads itself: its `CodingKeys` declare its keys, its initialiser
/// reads each one through ``ConfigFields``. Not Swift's `Decodable`: its `Decoder` throws untyped
/// errors and its synthesized initialisers know neither a key's default nor what would be right, which
/// every error here must say. Errors are `ConfigError`s with the dotted path, the value and the line.
protocol ConfigDecodable {
    init(from decoder: ConfigDecoder) throws(ConfigError)
}

/// One node of the composed YAML tree, with what every section needs besides it.
struct ConfigDecoder {
    let node: ConfigNode
    let context: ConfigContext
    /// False when an enclosing reader already checked this mapping's keys (Home Assistant's
    /// `device_tracker:` entry holds the scan keys and a few of its own).
    var checksKeys = true

    func fields<Key: ConfigKeys>(_ keys: Key.Type) throws(ConfigError) -> ConfigFields<Key> {
        ConfigFields(mapping: try node.mapping(accepting: Key.names, checked: checksKeys, hints: Key.hints), context: context)
    }

    func decode<T: ConfigDecodable>(_ type: T.Type, from node: ConfigNode) throws(ConfigError) -> T {
        try T(from: ConfigDecoder(node: node, context: context))
    }
}

/// One section's mapping, its keys checked against `Key`, with typed reads that leave the current
/// value (the default) alone when a key is absent or empty (`key:` and `key: null` mean "default").
struct ConfigFields<Key: ConfigKeys> {
    let mapping: ConfigMapping
    let context: ConfigContext

    subscript(key: Key) -> ConfigNode? { mapping[key.rawValue] }

    func has(_ key: Key) -> Bool { self[key] != nil }

    func missing(_ key: Key, expected: String) -> ConfigError {
        mapping.missing(key.rawValue, expected: expected)
    }

    /// The value read by `read`, or nil when the key is absent or empty.
    func value<T>(_ key: Key, _ read: (ConfigNode) throws(ConfigError) -> T) throws(ConfigError) -> T? {
        guard let node = self[key] else { return nil }
        return try read(node)
    }

    func read<T>(_ key: Key, into target: inout T, _ read: (ConfigNode) throws(ConfigError) -> T) throws(ConfigError) {
        if let value = try value(key, read) { target = value }
    }

    func read(_ key: Key, into target: inout Bool) throws(ConfigError) {
        try read(key, into: &target) { node throws(ConfigError) in try node.bool() }
    }

    func read(_ key: Key, into target: inout String, expected: String) throws(ConfigError) {
        try read(key, into: &target) { node throws(ConfigError) in try node.string(expected: expected) }
    }

    func read(_ key: Key, into target: inout Duration, unit: ConfigDurationUnit, allowZero: Bool = false) throws(ConfigError) {
        try read(key, into: &target) { node throws(ConfigError) in try node.duration(unit: unit, allowZero: allowZero) }
    }

    /// A nested section.
    func decode<T: ConfigDecodable>(_ key: Key, as type: T.Type) throws(ConfigError) -> T? {
        try value(key) { node throws(ConfigError) in try T(from: ConfigDecoder(node: node, context: context)) }
    }

    /// A path from the file, made absolute against the config file's directory.
    func path(_ key: Key, expected: String) throws(ConfigError) -> String? {
        try value(key) { node throws(ConfigError) in
            ConfigFiles.absolute(try node.string(expected: expected), relativeTo: context.directory, environment: context.environment)
        }
    }

    /// A path that must name a readable file: the absolute path and the contents.
    func readableFile(_ key: Key, expected: String) throws(ConfigError) -> (path: String, contents: [UInt8])? {
        try value(key) { node throws(ConfigError) in
            let given = try node.string(expected: expected)
            let absolute = ConfigFiles.absolute(given, relativeTo: context.directory, environment: context.environment)
            switch ConfigFiles.read(absolute) {
            case .success(let data):
                return (absolute, Array(data))
            case .failure(let failure):
                let shown = given == absolute ? absolute : "\(ConfigText.quoted(given)) (\(absolute))"
                throw node.error("\(shown) cannot be read: \(failure.reason); expected \(expected)")
            }
        }
    }

    /// The environment variable's value in place of the file's, as a node at the key's path; errors
    /// about it name the variable. An empty variable counts as unset (compose files pass `VAR=` through).
    func overridden<T>(_ key: Key, by variable: String, _ read: (ConfigNode) throws(ConfigError) -> T) throws(ConfigError) -> T? {
        guard let text = context.environment[variable], !text.isEmpty else {
            return try value(key, read)
        }
        let node = ConfigNode.made(text, path: mapping.path(of: key.rawValue), style: .doubleQuoted)
        do {
            return try read(node)
        } catch {
            var annotated = error
            annotated.message += " (the value came from the environment variable \(variable))"
            throw annotated
        }
    }
}
