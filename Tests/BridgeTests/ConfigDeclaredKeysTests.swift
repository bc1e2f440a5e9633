import Foundation
import Mosquitto
import Testing
import Yams

@testable import Bridge

extension ConfigTests {
    /// Every key the configuration types declare, as dotted paths (`mqtt.tls.ca_file`, `devices[].mac`).
    static var declaredPaths: Set<String> {
        var paths = Set(BridgeConfiguration.CodingKeys.names)
        func add<Key: ConfigKeys>(_ prefix: String, _ keys: Key.Type) {
            paths.formUnion(Key.names.map { "\(prefix)\($0)" })
        }
        add("mqtt.", MQTTSettings.CodingKeys.self)
        add("mqtt.tls.", MQTTConfiguration.TLS.CodingKeys.self)
        add("homeassistant.", HomeAssistantSettings.CodingKeys.self)
        add("scan.", ScanSettings.CodingKeys.self)
        add("scan.targets[].", ScanTargetEntry.CodingKeys.self)
        add("web.", WebSettings.CodingKeys.self)
        add("devices[].", DeviceEntry.CodingKeys.self)
        return paths
    }

    /// The key names alone, each once.
    static var declaredKeys: [String] {
        Set(declaredPaths.map { String($0.split(separator: ".").last!) }).sorted()
    }
}

@Suite("Configuration: the declared keys are the documented keys")
struct ConfigDeclaredKeysTests {
    /// `device_tracker:` is Home Assistant's block, read in place of `scan:`; it is documented in its
    /// own README section and mentioned in the sample, never given a value there.
    static let alternative = "device_tracker"

    @Test("config.sample.yaml, its commented examples taken in, names exactly the declared keys")
    func sample() throws {
        let text = try String(contentsOfFile: ConfigTests.repositoryRoot + "/config.sample.yaml", encoding: .utf8)
        let root = try #require(try Yams.compose(yaml: ConfigTests.uncommented(sample: text), .basic))
        var found: Set<String> = []
        func walk(_ node: Node, _ prefix: String) {
            switch node {
            case .mapping(let mapping):
                for (key, value) in mapping {
                    let path = prefix + (key.string ?? "?")
                    found.insert(path)
                    if path != "mqtt.tls" || value.mapping != nil { walk(value, path + ".") }
                }
            case .sequence(let sequence):
                for element in sequence { walk(element, String(prefix.dropLast()) + "[].") }
            default:
                break
            }
        }
        walk(root, "")
        #expect(found == ConfigTests.declaredPaths.subtracting([Self.alternative]))
        #expect(text.contains("\"\(Self.alternative):\""))
    }

    @Test("the README's configuration table names exactly the declared keys")
    func readme() throws {
        let text = try String(contentsOfFile: ConfigTests.repositoryRoot + "/README.md", encoding: .utf8)
        let section = try #require(text.components(separatedBy: "\n## Configuration\n").dropFirst().first?.components(separatedBy: "\n## ").first)
        var found: Set<String> = []
        for row in section.split(separator: "\n") where row.hasPrefix("| `") {
            let cells = row.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
            let keys = cells[0].split(separator: ",").map { $0.trimmingCharacters(in: CharacterSet(charactersIn: " `")) }
            found.formUnion(keys)
            // A row whose value is a mapping or a list of mappings names the inner keys as {a, b, c}.
            let rest = cells.dropFirst().joined(separator: "|")
            if let open = rest.firstIndex(of: "{"), let close = rest[open...].firstIndex(of: "}"), let key = keys.first {
                let inner = rest[rest.index(after: open)..<close].split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
                let prefix = rest.contains("a list of") ? "\(key)[]." : "\(key)."
                found.formUnion(inner.map { prefix + $0 })
            }
        }
        // Sections are named by their keys' rows (`mqtt.host`), not a row of their own.
        let sections = found.flatMap { path in
            path.split(separator: ".").dropLast().indices.map { path.split(separator: ".")[...$0].joined(separator: ".") }
        }.map { $0.replacingOccurrences(of: "[]", with: "") }
        #expect(found.union(sections) == ConfigTests.declaredPaths.subtracting([Self.alternative]))
        #expect(text.contains("device_tracker:"))
    }
}
