import ArgumentParser
import Bridge
import Logging
import ServiceLifecycle

/// The daemon. SIGTERM or SIGINT stop it cleanly: nmap killed, `offline` published, state saved.
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "run", abstract: "Run the bridge (the default command).")

    @OptionGroup var configOption: ConfigOption
    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let configuration = try configOption.load()
        let logger = global.bootstrap(level: try global.level(configured: configuration.logLevel))
        for warning in configuration.fileWarnings() {
            logger.warning("\(warning)")
        }
        let bridge: BridgeApplication
        do {
            bridge = try BridgeApplication.build(configuration: configuration, logger: logger)
        } catch {
            throw CommandFailure("\(configOption.config): \(error)")
        }
        do {
            try await bridge.run(gracefulShutdownSignals: [.sigterm, .sigint])
        } catch {
            throw CommandFailure("nmap2mqtt stopped: \(error)")
        }
    }
}
