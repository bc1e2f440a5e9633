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

    @OptionGroup var configOption: ConfigOption

    func run() async throws {
        let settings = try configOption.load()
        for warning in settings.fileWarnings() {
            FileHandle.standardError.write(Data("warning: \(warning)\n".utf8))
        }
        print(settings.effectiveSettings, terminator: "")
    }
}
