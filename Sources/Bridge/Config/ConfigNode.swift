import Yams

/// One node of the YAML tree together with its dotted path, so every error can name the key.
///
/// Codable's errors name neither the key path nor the value in words a user understands, hence this
/// small reader over Yams' composed `Node` tree.
struct ConfigNode {
    let node: Node
    let path: String
    /// True for `mqtt.password`: errors describe the value's shape, never its text.
    var isSecret = false

    var line: Int? { node.mark?.line }

    /// A node made by the bridge, not read from the file: a text (an environment variable, one MAC of
    /// a list) or an empty mapping (an absent section). Tagged with Yams' basic resolver: its default
    /// one compiles regular expressions, which loads ICU's pages into the process (about 1.5 MB).
    static func made(_ text: String, path: String, style: Node.Scalar.Style = .plain) -> ConfigNode {
        ConfigNode(node: Node(text, Tag(.str, .basic), style), path: path)
    }

    static func emptyMapping(path: String) -> ConfigNode {
        ConfigNode(node: Node([(Node, Node)](), Tag(.map, .basic)), path: path)
    }

    func child(_ key: String, _ node: Node) -> ConfigNode {
        ConfigNode(node: node, path: path.isEmpty ? key : "\(path).\(key)")
    }

    func element(_ index: Int, _ node: Node) -> ConfigNode {
        ConfigNode(node: node, path: "\(path)[\(index)]")
    }

    func secret() -> ConfigNode {
        var copy = self
        copy.isSecret = true
        return copy
    }

    /// An error about this node.
    func error(_ message: String) -> ConfigError {
        ConfigError(keyPath: path, message: message, line: line)
    }

    /// An error of the form `<value> is <problem>; expected <expected>`.
    func error(is problem: String, expected: String) -> ConfigError {
        error("\(described) is \(problem); expected \(expected)")
    }

    /// An error of the form `<value> <predicate>; expected <expected>` (`"a//b" has an empty level; ...`).
    func error(predicate: String, expected: String) -> ConfigError {
        error("\(described) \(predicate); expected \(expected)")
    }

    // MARK: - Shapes

    /// YAML's own type of this node: an explicit tag, or for a plain scalar the implicit type of
    /// its text (the document is composed without Yams' regex resolver; see `ImplicitScalar`).
    var tagName: Tag.Name {
        if case .scalar(let scalar) = node, scalar.style == .plain, node.tag.rawValue == Tag.Name.str.rawValue {
            return ImplicitScalar.type(of: scalar.string)
        }
        return Tag.Name(rawValue: node.tag.rawValue)
    }

    var isNull: Bool {
        if case .scalar = node, tagName == .null { return true }
        return false
    }

    /// The value as a user would recognise it: `70000`, `"abc"`, `a list`. Secret values are never shown.
    var described: String {
        switch node {
        case .mapping:
            return "a mapping"
        case .sequence:
            return "a list"
        case .alias:
            return "an alias"
        case .scalar(let scalar):
            if isSecret {
                return "the value (hidden)"
            }
            switch tagName {
            case .null:
                return "an empty value"
            case .str:
                return ConfigText.quoted(scalar.string)
            default:
                return scalar.string
            }
        }
    }

    /// Refuses explicit tags nmap2mqtt does not understand, such as Home Assistant's `!secret`.
    func checkTag() throws(ConfigError) {
        let name = tagName.rawValue
        guard !name.hasPrefix("tag:yaml.org,2002:") else { return }
        switch name {
        case "!secret":
            throw error(
                "!secret is a Home Assistant tag and nmap2mqtt has no secrets.yaml; expected the value itself, mqtt.password_file, or the NMAP2MQTT_MQTT_* environment variables"
            )
        case "!include", "!env_var", "!include_dir_list", "!include_dir_named", "!include_dir_merge_list", "!include_dir_merge_named", "!input":
            throw error("\(name) is a Home Assistant tag that nmap2mqtt does not read; expected the value itself")
        default:
            throw error("the tag \(name) is not understood; expected a plain value without a tag")
        }
    }

    /// The scalar's text, whatever YAML type it resolved to (so `username: 1234` and `password: yes` work).
    func scalarText(expected: String) throws(ConfigError) -> String {
        try checkTag()
        guard case .scalar(let scalar) = node else {
            throw error(is: "not a single value", expected: expected)
        }
        return scalar.string
    }

    /// The mapping's entries; with `checked`, a key outside `keys` is an error that suggests the nearest.
    func mapping(accepting keys: [String], checked: Bool = true, hints: [String: String] = [:]) throws(ConfigError) -> ConfigMapping {
        try checkTag()
        guard case .mapping(let mapping) = node else {
            throw error(
                is: "not a mapping", expected: "keys under \(path.isEmpty ? "the top level" : path) such as \(keys.prefix(3).joined(separator: ", "))"
            )
        }
        var entries: [(key: String, value: ConfigNode)] = []
        for (keyNode, valueNode) in mapping {
            guard case .scalar(let keyScalar) = keyNode else {
                throw ConfigError(keyPath: path, message: "a key is a list or mapping; expected plain key names", line: keyNode.mark?.line)
            }
            let key = keyScalar.string
            guard !checked || keys.contains(key) else {
                let keyPath = path.isEmpty ? key : "\(path).\(key)"
                throw ConfigError(
                    keyPath: keyPath,
                    message: KeySuggestion.unknownKeyMessage(key, in: path, accepted: keys, hints: hints),
                    line: keyNode.mark?.line
                )
            }
            entries.append((key, child(key, valueNode)))
        }
        return ConfigMapping(node: self, entries: entries)
    }

    /// The elements of a list; a single value counts as a one-element list, an empty value as none.
    func elements() throws(ConfigError) -> [ConfigNode] {
        try checkTag()
        switch node {
        case .sequence(let sequence):
            return sequence.enumerated().map { element($0.offset, $0.element) }
        case .scalar where isNull:
            return []
        default:
            return [self]
        }
    }
}
