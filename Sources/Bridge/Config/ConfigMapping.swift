/// A YAML mapping whose keys have all been checked against the accepted list.
struct ConfigMapping {
    let node: ConfigNode
    let entries: [(key: String, value: ConfigNode)]

    var path: String { node.path }

    /// The value for `key`, or nil when absent or explicitly empty (`key:` or `key: null` mean "default").
    subscript(key: String) -> ConfigNode? {
        guard let value = entries.first(where: { $0.key == key })?.value, !value.isNull else {
            return nil
        }
        return value
    }

    /// The path a child key would have, for errors about a missing key.
    func path(of key: String) -> String {
        path.isEmpty ? key : "\(path).\(key)"
    }

    func missing(_ key: String, expected: String) -> ConfigError {
        ConfigError(keyPath: path(of: key), message: "is missing; expected \(expected)", line: node.line)
    }
}
