import ArgumentParser
import Bridge
import Foundation

/// `check-config`: validate the file and show what the bridge would run with, password masked.
struct CheckConfigCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-config",
        abstract: "Validate a configuration file and print the effective settings (password masked).",
        discussion: "Exits with status 78 (EX_CONFIG) and the reason on standard error when the file is invalid."
    )

    /// sysexits' EX_CONFIG, so service managers can tell a bad file from a crash (systemd: RestartPreventExitStatus=78).
    static let invalidConfigurationStatus = ExitCode(78)

    @Option(name: .long, help: "The configuration file.")
    var config: String = "config.yaml"

    func run() async throws {
        let settings: BridgeConfiguration
        do {
            settings = try BridgeConfiguration.load(path: config)
        } catch {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            throw Self.invalidConfigurationStatus
        }
        print(settings.effectiveSettings, terminator: "")
    }
}
