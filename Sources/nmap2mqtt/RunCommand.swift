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
        let bridge: BridgeService
        do {
            bridge = try BridgeService(configuration: configuration, logger: logger)
        } catch {
            throw CommandFailure("\(configOption.config): \(error)")
        }
        let group = ServiceGroup(configuration: .init(
            services: [.init(service: bridge)],
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger))
        do {
            try await group.run()
        } catch {
            throw CommandFailure("nmap2mqtt stopped: \(error)")
        }
    }
}
