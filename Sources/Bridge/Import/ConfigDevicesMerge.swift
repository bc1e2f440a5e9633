import Foundation
import NetworkAddresses
import Presence
import Yams

/// Adds devices to a configuration's `devices:` list by editing its text, so every comment, blank line
/// and key order the user wrote stays as it was; only lines are inserted (and a `devices: []` or empty
/// `devices:` value cleared on its own line).
///
/// - No `devices:` key: a `devices:` list is appended at the end of the file.
/// - `devices: []`, `devices:` or `devices: null`: the value is cleared (a comment after it stays in its
///   column) and the list follows that line.
/// - A block list (`- mac: ...`): the new items follow its last line, with the same indentation.
///
/// A devices list written otherwise (a flow list `[{mac: ...}]`, an anchor or tag, a top level in
/// flow style) is refused. The result must read back, through the configuration parser, to exactly the
/// old settings plus the new devices; if it would not, nothing is returned.
public enum ConfigDevicesMerge {
    /// Merges `devices` into the configuration `text`. Devices whose MAC the configuration already
    /// lists are left out (the user's entry wins). `comment` goes on a line before the new items.
    public static func merge(
        _ devices: [KnownDevice],
        into text: String,
        configDirectory: String,
        environment: [String: String],
        comment: String
    ) throws(ImportError) -> ConfigMergeOutcome {
        let original: BridgeConfiguration
        do {
            original = try BridgeConfiguration.parse(yaml: text, configDirectory: configDirectory, environment: environment)
        } catch {
            throw ImportError(.invalidConfig, [issue(error)])
        }
        let root: ConfigNode
        do {
            root = try ConfigDocument.compose(text)
        } catch {
            throw ImportError(.invalidConfig, [issue(error)])
        }
        guard case .mapping(let top) = root.node else {
            throw ImportError(.invalidConfig, "is not a mapping; expected a configuration such as config.sample.yaml")
        }
        let devicesPair = top.first { $0.key.scalar?.string == "devices" }
        let listedLines = devicesPair.map { listedMACLines($0.value) } ?? [:]

        let listed = Set(original.devices.map(\.mac))
        let added = devices.filter { !listed.contains($0.entry.mac) }
        let alreadyListed = devices.filter { listed.contains($0.entry.mac) }.map {
            ConfigMergeOutcome.AlreadyListed(device: $0, configLine: listedLines[$0.entry.mac])
        }
        guard !added.isEmpty else {
            return ConfigMergeOutcome(text: text, added: [], alreadyListed: alreadyListed)
        }
        var lines = ConfigTextLines(text)
        // Yams does not keep a node's style; the character at its position tells.
        if lines.scalar(at: root.node.mark) == "{" {
            throw ImportError(
                .cannotEditConfig, line: root.line,
                "is written as one flow mapping ({...}); expected YAML in block style, such as config.sample.yaml, for the import to add lines to; nothing was written"
            )
        }
        if let (keyNode, valueNode) = devicesPair {
            try lines.extendList(key: keyNode, value: valueNode, with: added.map(\.entry), comment: comment)
        } else {
            lines.appendList(added.map(\.entry), comment: comment)
        }
        let merged = lines.text
        try verify(merged, original: original, added: added.map(\.entry), configDirectory: configDirectory, environment: environment)
        return ConfigMergeOutcome(text: merged, added: added, alreadyListed: alreadyListed)
    }

    /// Reads the configuration at `path`, merges `devices` into it and, when that adds any, replaces
    /// the file atomically with its owner, group and mode kept. A symbolic link is followed, so the
    /// file it points to is rewritten and the link stays.
    public static func mergeFile(
        _ devices: [KnownDevice],
        path: String,
        environment: [String: String] = ProcessInfo.processInfo.environment,
        comment: String
    ) throws(ImportError) -> ConfigMergeOutcome {
        let absolute = ConfigFiles.absolute(path, relativeTo: FileManager.default.currentDirectoryPath, environment: environment)
        let data: Data
        switch ConfigFiles.read(absolute) {
        case .success(let contents):
            data = contents
        case .failure(let failure):
            throw ImportError(.unreadable, "cannot be read: \(failure.reason); expected the configuration file to add the devices to")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw ImportError(.invalidConfig, "is not UTF-8 text; expected a YAML configuration file")
        }
        let target =
            realpath(absolute, nil).map { resolved in
                defer { free(resolved) }
                return String(cString: resolved)
            } ?? absolute
        let directory = (absolute as NSString).deletingLastPathComponent
        let outcome = try merge(devices, into: text, configDirectory: directory, environment: environment, comment: comment)
        if !outcome.added.isEmpty {
            try AtomicFile.replace(target, with: outcome.text, ifStill: data)
        }
        return outcome
    }

    // MARK: - Checks

    /// The edit must change nothing but the device list, and that only by the new entries at its end.
    private static func verify(
        _ merged: String,
        original: BridgeConfiguration,
        added: [DeviceEntry],
        configDirectory: String,
        environment: [String: String]
    ) throws(ImportError) {
        let fallback = "nothing was written; paste the list that nmap2mqtt import prints without --into under devices: by hand"
        let result: BridgeConfiguration
        do {
            result = try BridgeConfiguration.parse(yaml: merged, configDirectory: configDirectory, environment: environment)
        } catch {
            let place = error.line.map { " (line \($0) of the edited text)" } ?? ""
            let key = error.keyPath.isEmpty ? "" : "\(error.keyPath): "
            throw ImportError(
                .wouldBreakConfig, "the edited file would not pass the configuration check: \(key)\(error.message)\(place); \(fallback)")
        }
        var rest = result
        rest.devices = original.devices
        guard result.devices == original.devices + added, rest == original else {
            throw ImportError(.wouldBreakConfig, "the edited file would not read back as the old settings plus the new devices; \(fallback)")
        }
    }

    private static func issue(_ error: ConfigError) -> ImportIssue {
        ImportIssue(line: error.line, message: error.keyPath.isEmpty ? error.message : "\(error.keyPath): \(error.message)")
    }

    /// The line of each MAC in an existing `devices:` list, for the notes about devices kept.
    private static func listedMACLines(_ value: Node) -> [String: Int] {
        guard case .sequence(let items) = value else { return [:] }
        var lines: [String: Int] = [:]
        for item in items {
            guard case .mapping(let fields) = item,
                let macNode = fields.first(where: { $0.key.scalar?.string == "mac" })?.value,
                let text = macNode.scalar?.string,
                let mac = MACAddress.normalized(ConfigText.trimmed(text)),
                let line = macNode.mark?.line
            else { continue }
            lines[mac] = lines[mac] ?? line
        }
        return lines
    }
}
