import ArgumentParser
import Bridge

/// Stops tracking a device and clears its retained topics and discovery config.
struct ForgetCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "forget",
        abstract: "Stop tracking a device and clear its retained topics and Home Assistant discovery config.")

    @Argument(help: "The device's MAC address (or its id, e.g. ip_192_0_2_5).")
    var mac: String

    @OptionGroup var configOption: ConfigOption
    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let configuration = try configOption.load()
        let logger = global.bootstrap(level: try global.level(configured: .warning))
        do {
            let outcome = try await DeviceForgetter.forget(mac, configuration: configuration, logger: logger)
            print(
                "forgot \(outcome.id): \(outcome.removedFromStateFile ? "removed from the state file" : "it was not in the state file"); retained topics and discovery config cleared"
            )
        } catch {
            throw CommandFailure("\(error)")
        }
    }
}
