import ArgumentParser
import Bridge

#if canImport(Glibc)
import Glibc
#endif

/// `--config FILE`, loaded and validated; a bad file ends the command with the error's message.
struct ConfigOption: ParsableArguments {
    @Option(name: .long, help: "The configuration file (YAML).")
    var config: String = "config.yaml"

    init() {}

    init(config: String) {
        self.config = config
    }

    func load() throws -> BridgeConfiguration {
        do {
            return try BridgeConfiguration.load(path: config)
        } catch {
            throw CommandFailure("\(config): \(error)", exitCode: CommandFailure.invalidConfiguration)
        }
    }
}

/// An error the command prints as it is, then exits non-zero.
struct CommandFailure: Error, CustomStringConvertible {
    /// sysexits' EX_CONFIG, so service managers can tell a bad file from a crash
    /// (systemd: `RestartPreventExitStatus=78`).
    static let invalidConfiguration: Int32 = 78

    let description: String
    let exitCode: Int32

    init(_ description: String, exitCode: Int32 = 1) {
        self.description = description
        self.exitCode = exitCode
    }
}
