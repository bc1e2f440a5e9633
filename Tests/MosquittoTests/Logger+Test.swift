import Foundation
import Logging

extension Logger {
    /// A logger for clients under test: quiet unless `MOSQUITTO_TEST_LOG_LEVEL` (e.g. `trace`) says otherwise,
    /// so a failing test can be rerun with the client's own account of what happened.
    static func test(_ label: String) -> Logger {
        var logger = Logger(label: "test.\(label)")
        logger.logLevel = ProcessInfo.processInfo.environment["MOSQUITTO_TEST_LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .warning
        return logger
    }
}
