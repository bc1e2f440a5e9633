import Yams

/// The YAML document: composed by Yams without its regex resolver (which would pull ICU into the
/// process; plain scalars are typed by `ImplicitScalar`).
enum ConfigDocument {
    /// The root mapping; syntax errors become `ConfigError`s with line and column (never a snippet of
    /// the text, which could hold the password).
    static func compose(_ yaml: String) throws(ConfigError) -> ConfigNode {
        let expected = "expected YAML keys such as mqtt: and scan: (see config.sample.yaml)"
        let node: Node?
        do {
            node = try Yams.compose(yaml: yaml, .basic)
        } catch let error as YamlError {
            throw syntaxError(error)
        } catch {
            throw ConfigError(keyPath: "", message: "the configuration cannot be read as YAML: \(error)")
        }
        guard let node else {
            throw ConfigError(keyPath: "", message: "the configuration is empty; \(expected)")
        }
        let root = ConfigNode(node: node, path: "")
        switch node {
        case .mapping:
            return root
        case .scalar where root.isNull:
            throw ConfigError(keyPath: "", message: "the configuration is empty; \(expected)")
        default:
            throw ConfigError(keyPath: "", message: "the configuration is \(root.described), not a mapping; \(expected)", line: root.line)
        }
    }

    private static func syntaxError(_ error: YamlError) -> ConfigError {
        let hint = "expected valid YAML: check the indentation and quoting there"
        switch error {
        case .scanner(let context, let problem, let mark, _),
            .parser(let context, let problem, let mark, _),
            .composer(let context, let problem, let mark, _):
            let while_ = context.map { " (\($0.text) at line \($0.mark.line))" } ?? ""
            return ConfigError(keyPath: "", message: "YAML syntax error at column \(mark.column): \(problem)\(while_); \(hint)", line: mark.line)
        case .duplicatedKeysInMapping(let duplicates, let context):
            let keys = duplicates.sorted().map(ConfigText.quoted).joined(separator: ", ")
            return ConfigError(
                keyPath: "", message: "the key \(keys) appears more than once in one mapping; expected each key once", line: context.mark.line)
        case .reader(let problem, _, _, _):
            return ConfigError(keyPath: "", message: "the configuration cannot be read as text: \(problem); expected UTF-8 YAML")
        default:
            return ConfigError(keyPath: "", message: "the configuration cannot be read as YAML: \(error)")
        }
    }
}
