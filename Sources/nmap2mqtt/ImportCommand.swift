import ArgumentParser
import Bridge
import Foundation

/// `import known_devices.yaml`: Home Assistant's legacy device list as a `devices:` list, printed or
/// merged into a configuration file.
struct ImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Turn Home Assistant's known_devices.yaml into a devices: list.",
        discussion: """
            Prints a devices: list to paste into config.yaml, or with --into adds the devices that file does \
            not list yet (an entry you already have is kept as it is). Notes about devices left out or filled \
            in go to standard error.

            Exit status: 0 done (also when there is nothing to import); 65 known_devices.yaml is not valid; \
            66 a file cannot be read; 78 the --into file is invalid or its devices: cannot be edited safely; \
            70 the edit would not read back the same; 73 the --into file cannot be written. Nothing is \
            written unless the status is 0.
            """
    )

    /// sysexits.h: EX_DATAERR, EX_NOINPUT, EX_SOFTWARE, EX_CANTCREAT.
    static let dataError: Int32 = 65
    static let noInput: Int32 = 66
    static let softwareError: Int32 = 70
    static let cannotCreate: Int32 = 73

    @Argument(help: "Home Assistant's known_devices.yaml (in its configuration directory).")
    var file: String

    @Option(name: .long, help: ArgumentHelp("Add the devices to this configuration file instead of printing them.", valueName: "config"))
    var into: String?

    func run() throws {
        let imported: KnownDevicesImport
        do {
            imported = try KnownDevices.load(path: file)
        } catch {
            throw failure(error, in: file)
        }
        for note in imported.notes {
            standardError("note: \(note.located(in: file))")
        }
        let source = "Imported by nmap2mqtt import from Home Assistant's device list \(file)"
        guard let into else {
            var header = [source + "."]
            header.append(
                imported.devices.isEmpty
                    ? "It holds no device to import."
                    : "Put it in place of devices: in config.yaml, or merge it with: nmap2mqtt import \(file) --into config.yaml")
            print(DeviceListText.document(imported.entries, header: header), terminator: "")
            return
        }

        let outcome: ConfigMergeOutcome
        do {
            outcome = try ConfigDevicesMerge.mergeFile(imported.devices, path: into, comment: source)
        } catch {
            throw failure(error, in: into)
        }
        for kept in outcome.alreadyListed {
            let place = kept.configLine.map { "\(into):\($0)" } ?? into
            let origin = kept.device.line.map { "\(file):\($0)" } ?? file
            standardError(
                "note: \(place.logSafe): \(kept.device.entry.mac) is already listed; kept your entry, not \(kept.device.slug.logSafe) from \(origin.logSafe)"
            )
        }
        if outcome.added.isEmpty {
            print("\(into): unchanged; \(imported.devices.isEmpty ? "there was no device to add" : "every device is already listed")")
        } else {
            let count = outcome.added.count == 1 ? "1 device" : "\(outcome.added.count) devices"
            let kept = outcome.alreadyListed.isEmpty ? "" : "; \(outcome.alreadyListed.count) already listed, kept as they were"
            print("\(into): added \(count) under devices:\(kept)")
        }
    }

    private func failure(_ error: ImportError, in path: String) -> CommandFailure {
        let exitCode: Int32
        switch error.kind {
        case .badKnownDevices: exitCode = Self.dataError
        case .unreadable: exitCode = Self.noInput
        case .invalidConfig, .cannotEditConfig: exitCode = CommandFailure.invalidConfiguration
        case .wouldBreakConfig: exitCode = Self.softwareError
        case .cannotWrite: exitCode = Self.cannotCreate
        }
        // One line per issue, each with the program's name, as the last one gets it from main().
        let lines = error.issues.map { $0.located(in: path) }
        return CommandFailure(lines.joined(separator: "\nnmap2mqtt: "), exitCode: exitCode)
    }

    private func standardError(_ line: String) {
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }
}
