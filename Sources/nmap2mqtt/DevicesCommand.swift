import ArgumentParser
import Bridge
import Foundation
import Presence

/// The devices in the state file.
struct DevicesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "devices", abstract: "List the devices in the state file.")

    @OptionGroup var configOption: ConfigOption
    @OptionGroup var global: GlobalOptions

    @Flag(help: "Print a JSON array of the devices instead of a table.")
    var json = false

    func run() async throws {
        let configuration = try configOption.load()
        let logger = global.bootstrap(level: try global.level(configured: .warning))
        let devices: [Device]
        do {
            devices = try StateStore(path: configuration.stateFile, logger: logger).load()
        } catch {
            throw CommandFailure("state_file: \(error)")
        }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            print(String(decoding: try encoder.encode(devices), as: UTF8.self))
            return
        }
        if devices.isEmpty {
            print("no devices in \(configuration.stateFile)")
            return
        }
        let rows = devices.map { device in
            [
                device.name, device.state.rawValue, device.ip, device.mac ?? "-", device.vendor ?? "-",
                Timestamp.text(device.lastSeen), device.deleted ? "deleted" : "",
            ]
        }
        print(TextTable.render(header: ["NAME", "STATE", "IP", "MAC", "VENDOR", "LAST SEEN", ""], rows: rows))
    }
}
