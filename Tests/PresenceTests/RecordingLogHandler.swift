import Logging
import Synchronization

/// Keeps what a library logged, so tests can count warnings and errors.
/// (swift-log's own InMemoryLogging product would do; it is not a dependency of this test target yet.)
struct RecordingLogHandler: LogHandler {
    final class Storage: Sendable {
        let entries = Mutex<[(level: Logger.Level, message: String)]>([])

        func count(_ level: Logger.Level) -> Int {
            entries.withLock { $0.filter { $0.level == level }.count }
        }

        var messages: [String] {
            entries.withLock { $0.map(\.message) }
        }
    }

    let storage: Storage
    var metadata: Logger.Metadata = [:]
    var metadataProvider: Logger.MetadataProvider?
    var logLevel: Logger.Level = .trace

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        storage.entries.withLock { $0.append((event.level, event.message.description)) }
    }

    /// A logger whose entries land in the returned storage.
    static func logger() -> (Logger, Storage) {
        let storage = Storage()
        return (Logger(label: "presence.tests") { _ in RecordingLogHandler(storage: storage) }, storage)
    }
}
