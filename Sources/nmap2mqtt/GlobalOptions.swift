import ArgumentParser
import Logging

/// Options every command takes.
struct GlobalOptions: ParsableArguments {
    @Option(name: .long, help: "Log level: trace, debug, info, notice, warning, error or critical. Overrides log_level in the configuration.")
    var logLevel: String?

    /// The effective level: the flag, else the configuration's, else info.
    func level(configured: Logger.Level?) throws -> Logger.Level {
        guard let logLevel else { return configured ?? .info }
        guard let level = Logger.Level(rawValue: logLevel.lowercased()) else {
            throw ValidationError("--log-level \(logLevel) is not a log level; expected one of trace, debug, info, notice, warning, error, critical")
        }
        return level
    }

    /// Logs go to standard error, so `--json` output on standard output stays clean.
    func bootstrap(level: Logger.Level) -> Logger {
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        var logger = Logger(label: "nmap2mqtt")
        logger.logLevel = level
        return logger
    }
}
