import ArgumentParser
import Bridge
import Foundation

/// The command line: a thin shell over the Bridge module, which tests build directly.
@main
struct Nmap2MQTT: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "nmap2mqtt",
        abstract: "Network presence from nmap, published to MQTT with Home Assistant discovery.",
        version: BridgeVersion.current,
        subcommands: [RunCommand.self, ScanCommand.self, CheckConfigCommand.self, DevicesCommand.self, ForgetCommand.self, ImportCommand.self],
        defaultSubcommand: RunCommand.self
    )

    /// Prints a ``CommandFailure`` as it is (no "Error:" noise around a message that is already clear).
    static func main() async {
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch let failure as CommandFailure {
            FileHandle.standardError.write(Data("nmap2mqtt: \(failure.description)\n".utf8))
            Foundation.exit(failure.exitCode)
        } catch {
            exit(withError: error)
        }
    }
}
