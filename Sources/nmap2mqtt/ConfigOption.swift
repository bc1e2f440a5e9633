import ArgumentParser
import Bridge
#if canImport(Glibc)
import Glibc
#endif

/// `--config FILE`, loaded and validated; a bad file ends the command with the error's message.
struct ConfigOption: ParsableArguments {
    @Option(name: .long, help: "The configuration file (YAML).")
    var config: String = "config.yaml"

    func load() throws -> BridgeConfiguration {
        do {
            return try BridgeConfiguration.load(path: config)
        } catch {
            throw CommandFailure("\(config): \(error)")
        }
    }
}

/// An error the command prints as it is, then exits non-zero.
struct CommandFailure: Error, CustomStringConvertible {
    let description: String

    init(_ description: String) {
        self.description = description
    }
}
