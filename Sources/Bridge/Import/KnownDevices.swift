import Foundation
import NetworkAddresses
import Presence
import Yams

/// Home Assistant's `known_devices.yaml`, the device list of its legacy `device_tracker` platforms
/// (nmap_tracker among them; Home Assistant removes them in 2027.5), read as `devices:` entries.
///
/// The file maps each device id to its settings. What Home Assistant's `async_load_config` reads, and
/// what becomes of it here:
///
/// | key | Home Assistant | here |
/// |---|---|---|
/// | `mac` | optional, any string (none for GPS and app trackers) | required: no MAC, or a Bluetooth one (`BT_…`, `BLE_…`), skips the device with a note; anything else that is no MAC is an error |
/// | `name` | required string | absent, null or blank: the key made readable (`annas_iphone` → `Annas iphone`), with a note |
/// | `track` | optional, default **false** | the same default, with a note when absent; `track: false` is kept |
/// | `consider_home` | optional: seconds, `H:MM:SS` or `{minutes: 3}`; default the platform's | kept when set; 0 (which Home Assistant allows) becomes 1 second, nmap2mqtt's minimum |
/// | `icon`, `picture`, `gravatar`, `hide_if_away`, `vendor` | display settings (the last two ignored by Home Assistant too) | ignored |
///
/// Other keys are ignored with a note (Home Assistant would refuse the device). A MAC listed twice keeps
/// its first device (Home Assistant kept the last one, with a warning).
public enum KnownDevices {
    static let usedKeys = ["name", "mac", "track", "consider_home"]
    static let ignoredKeys = ["icon", "picture", "gravatar", "hide_if_away", "vendor"]

    /// Reads the file at `path` (relative to the working directory).
    public static func load(path: String) throws(ImportError) -> KnownDevicesImport {
        let data: Data
        switch ConfigFiles.read(path) {
        case .success(let contents):
            data = contents
        case .failure(let failure):
            throw ImportError(
                .unreadable, "cannot be read: \(failure.reason); expected Home Assistant's known_devices.yaml (in its configuration directory)")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw ImportError(.badKnownDevices, "is not UTF-8 text; expected Home Assistant's known_devices.yaml")
        }
        return try read(text)
    }

    /// The devices in `text`. Every mistake in the file is reported at once, each with its line.
    public static func read(_ text: String) throws(ImportError) -> KnownDevicesImport {
        let root: Node?
        do {
            root = try Yams.compose(yaml: text, .basic)
        } catch let error as YamlError {
            throw ImportError(.badKnownDevices, [syntaxIssue(error)])
        } catch {
            throw ImportError(.badKnownDevices, "cannot be read as YAML: \(error); expected Home Assistant's known_devices.yaml")
        }
        let empty = KnownDevicesImport(devices: [], notes: [ImportIssue(line: nil, message: "holds no devices")])
        guard let root else { return empty }
        let rootNode = ConfigNode(node: root, path: "")
        guard case .mapping(let mapping) = root else {
            if rootNode.isNull { return empty }
            throw ImportError(
                .badKnownDevices, line: rootNode.line,
                "the file is \(rootNode.described), not a mapping; expected Home Assistant's known_devices.yaml: device ids such as annas_iphone: with name: and mac: under each"
            )
        }
        if mapping.count == 0 { return empty }

        var reader = Reader()
        for (keyNode, valueNode) in mapping {
            reader.readDevice(keyNode, valueNode)
        }
        if !reader.errors.isEmpty {
            throw ImportError(.badKnownDevices, reader.errors)
        }
        if reader.devices.isEmpty {
            reader.notes.append(ImportIssue(line: nil, message: "holds no device nmap2mqtt can track (none with a network MAC address)"))
        }
        return KnownDevicesImport(devices: reader.devices, notes: reader.notes)
    }

    /// Collects devices, notes and errors over the whole file, so one run shows every mistake.
    private struct Reader {
        var devices: [KnownDevice] = []
        var notes: [ImportIssue] = []
        var errors: [ImportIssue] = []
        /// MAC → the slug and line of the first device that has it.
        var seen: [String: (slug: String, line: Int?)] = [:]

        mutating func readDevice(_ keyNode: Node, _ valueNode: Node) {
            guard case .scalar(let keyScalar) = keyNode else {
                errors.append(
                    ImportIssue(line: keyNode.mark?.line, message: "a device id is a list or mapping; expected plain ids such as annas_iphone:"))
                return
            }
            let slug = keyScalar.string
            let line = keyNode.mark?.line
            let device = ConfigNode(node: valueNode, path: slug)
            do throws(ConfigError) {
                try device.checkTag()
                if device.isNull {
                    notes.append(ImportIssue(line: line, message: "\(slug): has no settings, so no mac; skipped"))
                    return
                }
                guard case .mapping(let fields) = valueNode else {
                    throw device.error(is: "not a mapping", expected: "the device's settings under it, such as name: and mac:")
                }
                var values: [String: ConfigNode] = [:]
                for (fieldKey, fieldValue) in fields {
                    guard case .scalar(let fieldScalar) = fieldKey else {
                        throw ConfigError(
                            keyPath: slug, message: "a key is a list or mapping; expected keys such as name: and mac:", line: fieldKey.mark?.line)
                    }
                    let key = fieldScalar.string
                    if KnownDevices.usedKeys.contains(key) {
                        values[key] = device.child(key, fieldValue)
                    } else if !KnownDevices.ignoredKeys.contains(key) {
                        notes.append(ImportIssue(line: fieldKey.mark?.line, message: Self.unknownKeyNote(key, in: slug)))
                    }
                }
                guard let mac = try readMAC(values["mac"], slug: slug, line: line) else { return }
                if let first = seen[mac] {
                    let firstPlace = first.line.map { "line \($0)" } ?? "above"
                    notes.append(
                        ImportIssue(
                            line: values["mac"]?.line ?? line,
                            message: "\(slug): mac \(mac) is also the mac of \(first.slug) (\(firstPlace)); kept \(first.slug), skipped \(slug)"))
                    return
                }
                var entry = DeviceEntry(mac: mac)
                entry.name = try readName(values["name"], slug: slug, line: line)
                entry.track = try readTrack(values["track"], slug: slug, line: line)
                entry.considerHome = try readConsiderHome(values["consider_home"])
                seen[mac] = (slug, line)
                devices.append(KnownDevice(slug: slug, line: line, entry: entry))
            } catch {
                errors.append(
                    ImportIssue(line: error.line ?? line, message: error.keyPath.isEmpty ? error.message : "\(error.keyPath): \(error.message)"))
            }
        }

        /// The MAC in colon form; nil (with a note) for devices nmap cannot see.
        private mutating func readMAC(_ node: ConfigNode?, slug: String, line: Int?) throws(ConfigError) -> String? {
            guard let node, !node.isNull else {
                notes.append(ImportIssue(line: line, message: "\(slug): has no mac (a GPS or app tracker, which nmap cannot see); skipped"))
                return nil
            }
            let text = ConfigText.trimmed(try node.scalarText(expected: "the device's MAC address, such as aa:bb:cc:dd:ee:ff"))
            let upper = text.uppercased()
            if let prefix = ["BT_", "BLE_"].first(where: upper.hasPrefix), MACAddress.normalized(String(text.dropFirst(prefix.count))) != nil {
                notes.append(
                    ImportIssue(
                        line: node.line,
                        message:
                            "\(slug): mac \(ConfigText.quoted(text)) is a Bluetooth address (Home Assistant's Bluetooth trackers), which nmap cannot see; skipped"
                    ))
                return nil
            }
            let mac = try node.mac()
            if MACAddress.normalized(mac) == "00:00:00:00:00:00" {
                notes.append(ImportIssue(line: node.line, message: "\(slug): mac \(mac) is a placeholder, no device's address; skipped"))
                return nil
            }
            return mac
        }

        /// The configured name; the slug made readable when there is none, as Home Assistant fell back
        /// to the device id. Readable rather than the bare id, and still the id once slugified
        /// (`Annas iphone` → `annas_iphone`), which is what Home Assistant builds entity ids from.
        private mutating func readName(_ node: ConfigNode?, slug: String, line: Int?) throws(ConfigError) -> String? {
            if let node, !node.isNull {
                let text = try node.string(expected: "a display name such as \"Anna's phone\"", allowEmpty: true)
                if !text.allSatisfy(\.isWhitespace) { return text }
            }
            guard let readable = KnownDevices.readableName(slug) else { return nil }
            notes.append(ImportIssue(line: node?.line ?? line, message: "\(slug): has no name; named \(ConfigText.quoted(readable)) after its id"))
            return readable
        }

        /// Home Assistant's `cv.boolean`; absent means false there, and here.
        private mutating func readTrack(_ node: ConfigNode?, slug: String, line: Int?) throws(ConfigError) -> Bool {
            guard let node, !node.isNull else {
                notes.append(
                    ImportIssue(line: line, message: "\(slug): has no track: key, and Home Assistant's default is false; imported with track: false"))
                return false
            }
            let text = try node.scalarText(expected: "true or false")
            if node.tagName == .bool, let value = node.node.bool { return value }
            switch ConfigText.trimmed(text).lowercased() {
            case "true", "yes", "on", "enable", "1": return true
            case "false", "no", "off", "disable", "0": return false
            default: throw node.error(is: "not true or false", expected: "true or false")
            }
        }

        /// Home Assistant's `cv.time_period`, which nmap2mqtt's duration reader also speaks.
        private mutating func readConsiderHome(_ node: ConfigNode?) throws(ConfigError) -> Duration? {
            guard let node, !node.isNull else { return nil }
            let duration = try node.duration(unit: .seconds, allowZero: true)
            if duration == .zero {
                notes.append(
                    ImportIssue(line: node.line, message: "\(node.path): 0 is below nmap2mqtt's minimum of 1 second; imported as consider_home: 1"))
                return .seconds(1)
            }
            return duration
        }

        private static func unknownKeyNote(_ key: String, in slug: String) -> String {
            var note = "\(slug).\(key): unknown key \(ConfigText.quoted(key)) ignored"
            if let best = KeySuggestion.suggestion(for: key, among: KnownDevices.usedKeys) {
                note += "; did you mean \(ConfigText.quoted(best))?"
            }
            return note + " (known_devices.yaml keys: \((KnownDevices.usedKeys + KnownDevices.ignoredKeys).joined(separator: ", ")))"
        }
    }

    /// `annas_iphone` → `Annas iphone`; nil when the id holds nothing to read.
    static func readableName(_ slug: String) -> String? {
        let words = slug.split { $0 == "_" || $0.isWhitespace }
        guard let first = words.first?.first else { return nil }
        let joined = words.joined(separator: " ")
        return first.uppercased() + joined.dropFirst()
    }

    private static func syntaxIssue(_ error: YamlError) -> ImportIssue {
        switch error {
        case .scanner(let context, let problem, let mark, _),
            .parser(let context, let problem, let mark, _),
            .composer(let context, let problem, let mark, _):
            let while_ = context.map { " (\($0.text) at line \($0.mark.line))" } ?? ""
            return ImportIssue(
                line: mark.line,
                message:
                    "YAML syntax error at column \(mark.column): \(problem)\(while_); expected valid YAML: check the indentation and quoting there")
        case .duplicatedKeysInMapping(let duplicates, let context):
            let keys = duplicates.sorted().map(ConfigText.quoted).joined(separator: ", ")
            return ImportIssue(
                line: context.mark.line,
                message: "the key \(keys) appears more than once in one mapping; expected each device id, and each key of a device, once")
        case .reader(let problem, _, _, _):
            return ImportIssue(line: nil, message: "cannot be read as text: \(problem); expected UTF-8 YAML")
        default:
            return ImportIssue(line: nil, message: "cannot be read as YAML: \(error); expected Home Assistant's known_devices.yaml")
        }
    }
}
