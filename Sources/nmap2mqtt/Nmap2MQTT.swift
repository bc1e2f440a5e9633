import ArgumentParser

/// The command line: a thin shell over the Bridge module, which tests build directly.
@main
struct Nmap2MQTT: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "nmap2mqtt",
        abstract: "Network presence from nmap, published to MQTT with Home Assistant discovery.",
        version: "0.1.0",
        subcommands: [ScanCommand.self, CheckConfigCommand.self],
        defaultSubcommand: ScanCommand.self
    )
}
